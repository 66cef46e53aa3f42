import { createServer } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { capConnectionsPerIp } from './server.js';

function open(port: number, localAddress: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ port, host: '127.0.0.1', localAddress }, () => resolve(s));
    s.on('error', reject);
  });
}

const closed = (s: Socket) =>
  new Promise<boolean>((r) => {
    if (s.destroyed) r(true);
    s.once('close', () => r(true));
    setTimeout(() => r(false), 500);
  });

describe('capConnectionsPerIp', () => {
  it('closes connections over the cap from one address, not from others', async () => {
    const server = createServer((_req, res) => res.end('ok'));
    capConnectionsPerIp(server, 3);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;
    const flood = await Promise.all(Array.from({ length: 5 }, () => open(port, '127.0.0.2')));
    const states = await Promise.all(flood.map(closed));
    expect(states.filter(Boolean)).toHaveLength(2);
    const res = await fetch(`http://127.0.0.1:${port}/`);
    expect(await res.text()).toBe('ok');
    // A slot frees when a connection closes.
    const kept = flood.filter((s) => !s.destroyed);
    kept[0]!.destroy();
    await new Promise((r) => setTimeout(r, 100));
    const again = await open(port, '127.0.0.2');
    expect(await closed(again)).toBe(false);
    for (const s of [...kept, again]) s.destroy();
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  });
});
