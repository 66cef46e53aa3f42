/**
 * Starts the preview listeners (host form always, path form when configured) and returns the
 * preview service the API uses. The HMAC secret of links and cookies lives in DATA/preview-secret
 * (0600), made at first start, so links survive a daemon restart.
 */
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { DaemonConfig } from '../config.js';
import { PreviewGate } from '../core/preview-access.js';
import { PreviewService, type PreviewUrls } from '../core/previews.js';
import type { Logger } from '../log.js';
import type { Subnet } from '../net/plan.js';
import type { KeyRecord } from '../store/keys.js';
import type { PreviewStore } from '../store/previews.js';
import type { SandboxStore } from '../store/sandboxes.js';
import { createPreviewServer } from './server.js';

export interface PreviewStartDeps {
  config: DaemonConfig;
  previews: PreviewStore;
  sandboxes: SandboxStore;
  subnet: Subnet;
  log: Logger;
  authenticate: (header: string | undefined) => KeyRecord | undefined;
}

const LIMITS = { maxConnectionsPerPreview: 256, idleMs: 5 * 60_000 };

export async function startPreviews(deps: PreviewStartDeps) {
  const { config, log } = deps;
  const urls: PreviewUrls = { domain: config.preview.domain, hostPort: 0, pathBase: undefined };
  const ports: number[] = [config.port];
  const service = new PreviewService({
    previews: deps.previews,
    sandboxes: deps.sandboxes,
    secret: await loadSecret(join(config.dataDir, 'preview-secret')),
    urls,
    platformPorts: () => ports,
  });
  const gate = new PreviewGate(service, deps.subnet, deps.authenticate);
  const servers: Server[] = [];
  const start = async (form: 'host' | 'path', host: string, port: number) => {
    const p = createPreviewServer({ gate, log, form, ...LIMITS });
    service.onRevoke((rec) => p.revoke(rec));
    servers.push(p.server);
    await new Promise<void>((resolve, reject) => {
      p.server.once('error', reject);
      p.server.listen(port, host, resolve);
    });
    const bound = (p.server.address() as AddressInfo).port;
    ports.push(bound);
    return bound;
  };
  urls.hostPort = await start('host', config.preview.host, config.preview.port);
  const path = config.preview.path;
  if (path) urls.pathBase = `http://${path.host}:${await start('path', path.host, path.port)}`;
  const close = async () => {
    for (const s of servers) {
      s.closeAllConnections();
      await new Promise<void>((resolve) => s.close(() => resolve()));
    }
  };
  /** Another port the daemon listens on (the API's, once bound), never exposable. */
  const reserve = (port: number) => void ports.push(port);
  /** What the daemon announces: the host-form port and domain, the path-form base. */
  const info = () => ({ port: urls.hostPort, domain: urls.domain, pathBase: urls.pathBase });
  return { service, urls, close, reserve, info };
}

async function loadSecret(file: string): Promise<Buffer> {
  try {
    const text = (await readFile(file, 'utf8')).trim();
    if (/^[0-9a-f]{64}$/.test(text)) return Buffer.from(text, 'hex');
  } catch {
    // absent: made below
  }
  const secret = randomBytes(32);
  await writeFile(file, `${secret.toString('hex')}\n`, { mode: 0o600 });
  return secret;
}
