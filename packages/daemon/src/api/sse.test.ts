import { createServer, request, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { sendSse } from './sse.js';

describe('sendSse', () => {
  it('waits for a slow reader without piling up listeners', async () => {
    const counts: number[] = [];
    let response: ServerResponse | undefined;
    async function* flood() {
      for (let i = 0; i < 400; i++) {
        counts.push(response?.listenerCount('close') ?? 0);
        yield await Promise.resolve({ type: 'stdout', data: 'x'.repeat(64 * 1024) });
      }
    }
    const server = createServer((_req, res) => {
      response = res;
      void sendSse(res, flood(), 60_000, new AbortController().signal);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;
    const received = await new Promise<number>((resolve, reject) => {
      request({ port, host: '127.0.0.1' }, (res) => {
        let bytes = 0;
        res.pause(); // a slow reader: the server must wait on drain many times
        setTimeout(() => res.resume(), 200);
        res.on('data', (c: Buffer) => (bytes += c.length));
        res.on('end', () => resolve(bytes));
      })
        .on('error', reject)
        .end();
    });
    server.close();
    expect(received).toBeGreaterThan(400 * 64 * 1024);
    expect(Math.max(...counts)).toBeLessThanOrEqual(counts[1]! + 1);
  });
});
