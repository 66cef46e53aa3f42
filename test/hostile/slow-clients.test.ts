/**
 * Slow and greedy API clients against the jail daemon (the HTTP layer is the same for every
 * backend): a slowloris (hundreds of sockets sending headers a byte at a time), a connection
 * flood from one address past the per-address cap, and clients that never read a large file or
 * an endless stream. Other clients must keep being answered, and the daemon's memory must stay
 * bounded (write backpressure, not buffering).
 */
import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { getSandbox, type Sandbox } from '@paddock/sdk';
import { attack } from './results.js';
import { adminOf, daemons, type HostileDaemon } from './kit.js';

function openSocket(d: HostileDaemon, localAddress: string): Promise<Socket> {
  const url = new URL(d.url);
  return new Promise((resolve, reject) => {
    const s = connect({ host: url.hostname, port: Number(url.port), localAddress }, () =>
      resolve(s),
    );
    s.on('error', reject);
  });
}

const rssMiB = (pid: number) =>
  Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]) / 1024;

describe.each(daemons(['jail']))('slow clients: $backend', (d: HostileDaemon) => {
  let sb: Sandbox;
  const sockets: Socket[] = [];

  /** An honest client's calls: all must succeed. */
  const honest = async (n: number) => {
    for (let i = 0; i < n; i++) {
      expect((await fetch(`${d.url}/v1/health`)).status).toBe(200);
      expect((await sb.exec(`echo ${i}`)).stdout).toBe(`${i}\n`);
    }
    return n * 2;
  };

  beforeAll(async () => {
    sb = getSandbox(adminOf(d), 'hostile-slow');
    await sb.exec('head -c 67108864 /dev/urandom > /workspace/big');
  });

  afterAll(async () => {
    for (const s of sockets) s.destroy();
    await sb?.destroy();
  });

  attack(d.backend, {
    id: 'H-SLOW-01',
    category: 'slow-client',
    title: 'slowloris: 200 sockets send request headers a byte at a time',
    run: async () => {
      const slow = await Promise.all(Array.from({ length: 200 }, () => openSocket(d, '127.0.0.2')));
      sockets.push(...slow);
      const header = `GET /v1/sandboxes HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${'x'.repeat(200)}`;
      let i = 0;
      const drip = setInterval(() => {
        for (const s of slow) if (!s.destroyed) s.write(header[i % header.length] ?? 'x');
        i++;
      }, 100);
      try {
        const answered = await honest(15);
        expect(slow.filter((s) => !s.destroyed).length).toBe(200);
        return `${answered}/${answered} honest calls answered while 200 sockets dripped headers`;
      } finally {
        clearInterval(drip);
        for (const s of slow) s.destroy();
      }
    },
  });

  attack(d.backend, {
    id: 'H-SLOW-02',
    category: 'slow-client',
    title: 'connection flood: 400 idle sockets from one address',
    run: async () => {
      const flood = await Promise.all(
        Array.from({ length: 400 }, () => openSocket(d, '127.0.0.3').catch(() => undefined)),
      );
      const opened = flood.filter((s): s is Socket => s !== undefined);
      sockets.push(...opened);
      await new Promise((r) => setTimeout(r, 500));
      const alive = opened.filter((s) => !s.destroyed && !s.readableEnded).length;
      expect(alive).toBe(256);
      const answered = await honest(5);
      for (const s of opened) s.destroy();
      return `256 kept, ${400 - alive} closed at accept; ${answered} honest calls answered`;
    },
  });

  attack(d.backend, {
    id: 'H-SLOW-03',
    category: 'slow-client',
    title: 'clients that never read: a 64 MiB file stream and an endless SSE stream, 10 each',
    run: async () => {
      const before = rssMiB(d.pid);
      const stuck: Socket[] = [];
      const auth = `Authorization: Bearer ${d.apiKey}\r\nHost: x\r\n`;
      for (let i = 0; i < 10; i++) {
        const file = await openSocket(d, '127.0.0.4');
        file.write(
          `GET /v1/sandboxes/hostile-slow/files/stream/read?path=/workspace/big HTTP/1.1\r\n${auth}\r\n`,
        );
        const body = '{"command":"yes stuck-reader"}';
        const sse = await openSocket(d, '127.0.0.4');
        sse.write(
          `POST /v1/sandboxes/hostile-slow/exec/stream HTTP/1.1\r\n${auth}` +
            `Content-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
        );
        for (const s of [file, sse]) s.pause(); // never read
        stuck.push(file, sse);
      }
      sockets.push(...stuck);
      await new Promise((r) => setTimeout(r, 3000));
      const answered = await honest(5);
      const during = rssMiB(d.pid);
      expect(during - before).toBeLessThan(150);
      for (const s of stuck) s.destroy();
      let left = 'x';
      for (let i = 0; i < 50 && left !== 'none'; i++) {
        left = (await sb.exec('pgrep -x yes || echo none')).stdout.trim();
        if (left !== 'none') await new Promise((r) => setTimeout(r, 200));
      }
      expect(left).toBe('none');
      return `daemon RSS ${before.toFixed(0)} -> ${during.toFixed(0)} MiB; ${answered} honest calls answered; streams' commands killed on close`;
    },
  });
});
