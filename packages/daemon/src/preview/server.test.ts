/**
 * The proxy over real sockets: an upstream HTTP server on 127.0.0.2 stands in for a sandbox
 * (subnet 127.0.0.0/16, slot 0), the gate and store are the real ones on in-memory SQLite.
 */
import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import { testRecord } from '../store/record.test.helper.js';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PreviewGate } from '../core/preview-access.js';
import { PreviewService } from '../core/previews.js';
import { silentLogger } from '../log.js';
import { parseSubnet } from '../net/plan.js';
import { openDb } from '../store/db.js';
import { PreviewStore } from '../store/previews.js';
import { SandboxStore } from '../store/sandboxes.js';
import { createPreviewServer } from './server.js';

let upstream: Server;
let proxy: Server;
let service: PreviewService;
let url: string;
const hits: string[] = [];

beforeAll(async () => {
  upstream = createServer((req, res) => {
    hits.push(req.url ?? '');
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write('data: first\n\n'); // then held open until the client goes
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.2', r));
  const port = (upstream.address() as AddressInfo).port;
  const db = openDb(':memory:');
  const sandboxes = new SandboxStore(db);
  sandboxes.reserve(testRecord({ tenant: 't', id: 'a', name: 'pdkt' }), 4);
  service = new PreviewService({
    previews: new PreviewStore(db),
    sandboxes,
    secret: Buffer.alloc(32, 2),
    urls: { domain: 'localhost', hostPort: 80, pathBase: undefined },
    platformPorts: () => [],
  });
  const gate = new PreviewGate(service, parseSubnet('127.0.0.0/16'), () => undefined);
  const p = createPreviewServer({
    gate,
    log: silentLogger,
    form: 'host',
    maxConnectionsPerPreview: 1,
    idleMs: 60_000,
  });
  service.onRevoke((rec) => p.revoke(rec));
  proxy = p.server;
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
  url = service
    .expose('t', 'a', { port })
    .url.replace('localhost/', `localhost:${(proxy.address() as AddressInfo).port}/`);
});

afterAll(async () => {
  proxy.closeAllConnections();
  upstream.closeAllConnections();
  await new Promise((r) => proxy.close(r));
  await new Promise((r) => upstream.close(r));
});

function open(path: string): Promise<IncomingMessage> {
  const u = new URL(path, url);
  return new Promise((resolve, reject) => {
    const headers = { host: u.host };
    const req = request(
      { host: '127.0.0.1', port: u.port, path: u.pathname, headers, agent: false },
      resolve,
    );
    req.on('error', reject);
    req.end();
  });
}

describe('preview proxy', () => {
  it('flushes a streamed response, bounds connections per preview and cuts them on revoke', async () => {
    const live = await open('/stream');
    const first = await new Promise<string>((r) => live.once('data', (d: Buffer) => r(String(d))));
    expect(first).toBe('data: first\n\n');
    const busy = await open('/second');
    expect(busy.statusCode).toBe(503);
    busy.resume();
    const closed = new Promise<void>((r) => live.once('close', () => r()));
    service.unexpose('t', 'a', Number(new URL(url).hostname.split('-')[0]));
    await closed;
    const gone = await open('/third');
    expect(gone.statusCode).toBe(404);
    gone.resume();
    expect(hits).toEqual(['/stream']);
  });
});
