/**
 * The serial console's bounded log. QEMU serves the console on a unix socket; the daemon reads it
 * into console.log and, past HALF bytes, rotates it to console.log.1: at most twice HALF on disk
 * however much the guest prints. While no reader is connected QEMU drops the output.
 */
import { closeSync, fstatSync, openSync, renameSync, writeSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { Socket } from 'node:net';
import { connectUnix } from '../../host/unix-socket.js';

export const CONSOLE_LOG_HALF = 512 * 1024;

export class ConsoleReader {
  private socket: Socket | undefined;
  private fd: number | undefined;
  private written = 0;
  private closed = false;

  constructor(
    private readonly socketPath: string,
    private readonly log: string,
    private readonly oldLog: string,
  ) {}

  /** Connect (retrying while QEMU creates the socket, up to `timeoutMs`). */
  async start(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        this.socket = await connectUnix(this.socketPath);
        break;
      } catch (err) {
        if (this.closed || Date.now() > deadline) throw err;
        await new Promise((r) => setTimeout(r, 20));
      }
    }
    this.fd = openSync(this.log, 'a', 0o600);
    // After a daemon restart the log already holds output.
    this.written = fstatSync(this.fd).size;
    this.socket.on('data', (chunk: Buffer) => this.write(chunk));
    this.socket.on('error', () => this.close());
    this.socket.on('close', () => this.close());
  }

  private write(chunk: Buffer): void {
    if (this.fd === undefined) return;
    if (this.written + chunk.length > CONSOLE_LOG_HALF) {
      closeSync(this.fd);
      renameSync(this.log, this.oldLog);
      this.fd = openSync(this.log, 'w', 0o600);
      this.written = 0;
      chunk = chunk.subarray(Math.max(0, chunk.length - CONSOLE_LOG_HALF));
    }
    writeSync(this.fd, chunk);
    this.written += chunk.length;
  }

  close(): void {
    this.closed = true;
    this.socket?.destroy();
    this.socket = undefined;
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

/** The console output kept so far (at most 2 * CONSOLE_LOG_HALF bytes), oldest first. */
export async function readConsoleLog(log: string, oldLog: string): Promise<string> {
  const parts = await Promise.all(
    [oldLog, log].map((f) => readFile(f).catch(() => Buffer.alloc(0))),
  );
  return Buffer.concat(parts).toString('utf8');
}
