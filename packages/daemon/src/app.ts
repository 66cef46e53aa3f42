/**
 * The composition root: builds the object graph from the config with plain constructors and
 * starts listening. The daemon's only reader of the data directory layout.
 */
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { agentClient } from './agent-link/client.js';
import { agentExecStream } from './agent-link/stream.js';
import { createApiServer } from './api/server.js';
import { metaRoutes } from './api/meta.js';
import { sandboxRoutes } from './api/sandboxes.js';
import { keyRoutes } from './api/keys.js';
import { sessionRoutes } from './api/sessions.js';
import { processRoutes } from './api/processes.js';
import { fileStreamRoutes } from './api/file-streams.js';
import { ptyRoutes, ptyUpgrade } from './api/pty.js';
import { watchRoutes } from './api/watch.js';
import { hashKey, newApiKey } from './auth/api-keys.js';
import { RateLimiter } from './auth/rate-limit.js';
import { selectBackend, type Selection } from './backends/select.js';
import type { DaemonConfig } from './config.js';
import { SandboxService } from './core/sandbox-service.js';
import { WarmPool } from './core/pool.js';
import { poolClasses } from './pool-config.js';
import { installFirewall, removeFirewall } from './host/netns.js';
import { ensureImage } from './image/build.js';
import { defaultRecipe } from './image/recipe.js';
import type { Logger } from './log.js';
import { parseSubnet, subnetCidr, type Subnet } from './net/plan.js';
import { openDb } from './store/db.js';
import { KeyStore } from './store/keys.js';
import { SandboxStore } from './store/sandboxes.js';
import { VERSION } from './version.js';

export interface RunningDaemon {
  url: string;
  close(): Promise<void>;
}

export async function prepareImage(config: DaemonConfig, progress: (line: string) => void) {
  return ensureImage({
    imageDir: config.imageDir,
    recipe: defaultRecipe(config.mirror, config.hostIdBase),
    agentBundle: config.agentBundle,
    progress,
  });
}

export async function startDaemon(
  config: DaemonConfig,
  log: Logger,
  announce: (line: string) => void,
): Promise<RunningDaemon> {
  await mkdir(config.dataDir, { recursive: true });
  // Traversable by sandboxes' mapped root ids (the jail's rootfs lives below), not listable.
  await chmod(config.dataDir, 0o711);
  const image = await prepareImage(config, (line) => log.info('image', { line }));
  const db = openDb(join(config.dataDir, 'paddock.db'));
  const keys = new KeyStore(db);
  await bootstrapKey(config, keys, announce);
  const subnet = parseSubnet(config.subnet);
  await installFirewall(subnetCidr(subnet));
  const selection = await selectBackend(config.backend, {
    dataDir: config.dataDir,
    imageRootfs: image.rootfs,
    hostIdBase: config.hostIdBase,
    vm: image.vm,
    vmProblem: image.vmProblem,
  });
  const backend = selection.backend;
  log.info('backend selected', { backend: backend.name, why: selection.reasons.join('; ') });
  const sandboxes = new SandboxStore(db);
  const { core, pool } = await startCore(config, log, sandboxes, selection, subnet);
  const api = [
    ...sandboxRoutes(core),
    ...sessionRoutes(core),
    ...processRoutes(core),
    ...fileStreamRoutes(core),
    ...ptyRoutes(core),
    ...watchRoutes(core),
    ...keyRoutes(keys),
  ];
  const server = createApiServer({
    routes: [...metaRoutes(VERSION, selection, api), ...api],
    keys,
    log,
    maxBodyBytes: config.maxBodyBytes,
    heartbeatMs: config.heartbeatMs,
    rateLimiter: new RateLimiter(config.rateLimit),
    onUpgrade: ptyUpgrade({ core, keys, log }),
  });
  await new Promise<void>((resolve) => server.listen(config.port, config.host, resolve));
  const { port } = server.address() as AddressInfo;
  const url = `http://${config.host}:${port}`;
  announce(JSON.stringify({ event: 'listening', url, backend: backend.name }));
  return {
    url,
    close: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      // Unassigned sandboxes are not kept across a stop: nobody would claim them meanwhile.
      await pool.close();
      const idle = sandboxes.all().length === 0;
      db.close();
      // Sandboxes outlive the daemon and keep their firewall; with none left, nothing stays.
      if (idle) await removeFirewall(subnetCidr(subnet));
    },
  };
}

/**
 * The core and its warm pool over every backend this host offers, recovered: the pool's leftovers
 * are destroyed before the tenants' sandboxes are recovered, then the pool starts filling.
 */
async function startCore(
  config: DaemonConfig,
  log: Logger,
  store: SandboxStore,
  selection: Selection,
  subnet: Subnet,
): Promise<{ core: SandboxService; pool: WarmPool }> {
  const backends = new Map(selection.available.map((b) => [b.name, b]));
  const common = { store, backends, connect: agentClient, subnet, log, readyTimeoutMs: 30_000 };
  const classes = poolClasses(config.pool, selection.backend.name, config.defaults);
  const pool = new WarmPool({ ...common, classes });
  const core = new SandboxService({
    ...common,
    defaultBackend: selection.backend.name,
    stream: agentExecStream,
    defaults: config.defaults,
    outputLimitBytes: config.outputLimitBytes,
    pool,
  });
  await pool.recover();
  await core.recover();
  pool.start();
  return { core, pool };
}

/** At first start: make an admin key, print it once, and leave it in a 0600 file. */
async function bootstrapKey(
  config: DaemonConfig,
  keys: KeyStore,
  announce: (line: string) => void,
): Promise<void> {
  if (keys.count() > 0) return;
  const { id, key } = newApiKey();
  keys.add({
    id,
    hash: hashKey(key),
    tenant: 'default',
    name: 'bootstrap admin',
    scopes: ['admin'],
    createdAt: new Date().toISOString(),
    expiresAt: undefined,
  });
  const file = join(config.dataDir, 'api-key');
  await writeFile(file, `${key}\n`, { mode: 0o600 });
  announce(JSON.stringify({ event: 'api-key-created', apiKey: key, file }));
}
