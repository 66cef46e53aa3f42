import { mkdtemp, rm, stat } from 'node:fs/promises';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CONSOLE_LOG_HALF, ConsoleReader, readConsoleLog } from './console.js';

let dir = '';
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('ConsoleReader', () => {
  it('keeps at most twice CONSOLE_LOG_HALF bytes however much the guest prints', async () => {
    dir = await mkdtemp(join(tmpdir(), 'console-test-'));
    const sock = join(dir, 'console.sock');
    const log = join(dir, 'console.log');
    const old = join(dir, 'console.log.1');
    let peer: Socket | undefined;
    const connected = new Promise<void>((resolve) => {
      const server = createServer((s) => {
        peer = s;
        server.close();
        resolve();
      });
      server.listen(sock);
    });
    const reader = new ConsoleReader(sock, log, old);
    await reader.start(2000);
    await connected;
    const line = `${'x'.repeat(1023)}\n`;
    for (let i = 0; i < 3000; i++) peer?.write(line);
    peer?.end('the end\n');
    await new Promise((r) => setTimeout(r, 300));
    reader.close();
    const sizes = [(await stat(log)).size, (await stat(old)).size];
    expect(sizes[0]).toBeLessThanOrEqual(CONSOLE_LOG_HALF);
    expect(sizes[1]).toBeLessThanOrEqual(CONSOLE_LOG_HALF);
    const text = await readConsoleLog(log, old);
    expect(text.length).toBeLessThanOrEqual(2 * CONSOLE_LOG_HALF);
    expect(text.endsWith('the end\n')).toBe(true);
  });
});
