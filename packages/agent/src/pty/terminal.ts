/**
 * One PTY: the helper process running `bash -l`, its output ring and the clients attached to it.
 * Every client sees the same output; any client may type and resize. The PTY lives until its
 * shell exits, it is killed, or no client has been attached for `idleMs`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { Writable } from 'node:stream';
import { PTY_RING_BYTES, PTY_TERM, type PtyServerControl } from '@paddock/protocol';
import { log } from '../log.js';
import { PTY_HELPER } from './helper.js';
import { ByteRing } from './ring.js';

export interface PtyClient {
  data(bytes: Buffer): void;
  control(message: PtyServerControl): void;
}

export interface TerminalSpec {
  cwd: string;
  env: Record<string, string>;
  cols: number;
  rows: number;
  idleMs: number;
}

const MAX_STATUS_BYTES = 4096;
const KILL_GRACE_MS = 2_000;

export class Terminal {
  readonly #child: ChildProcess;
  readonly #ring = new ByteRing(PTY_RING_BYTES);
  readonly #clients = new Set<PtyClient>();
  readonly #onEnd: () => void;
  readonly #idleMs: number;
  #idle: NodeJS.Timeout | undefined;
  #status = '';
  #ended = false;

  constructor(spec: TerminalSpec, onEnd: () => void) {
    this.#onEnd = onEnd;
    this.#idleMs = spec.idleMs;
    this.#child = spawn('python3', ['-c', PTY_HELPER, String(spec.cols), String(spec.rows)], {
      cwd: spec.cwd,
      env: { ...spec.env, TERM: PTY_TERM },
      stdio: ['pipe', 'pipe', 'pipe', 'pipe'],
      detached: true, // its own group, so a kill never reaches the agent
    });
    this.#child.stdout?.on('data', (chunk: Buffer) => this.#output(chunk));
    this.#child.stderr?.on('data', (chunk: Buffer) => {
      this.#status = (this.#status + chunk.toString('utf8')).slice(-MAX_STATUS_BYTES);
    });
    for (const s of [this.#child.stdin, this.#child.stdio[3] as Writable | null]) {
      s?.on('error', () => undefined); // the helper exited; its close event reports it
    }
    this.#child.on('error', (err) => this.#end({ type: 'error', message: err.message }));
    this.#child.on('close', () => this.#end(this.#exitMessage()));
    this.#armIdle();
  }

  get ended(): boolean {
    return this.#ended;
  }

  attach(client: PtyClient): void {
    this.#clients.add(client);
    clearTimeout(this.#idle);
    client.control({ type: 'ready' });
    const replay = this.#ring.bytes();
    if (replay.length > 0) client.data(replay);
  }

  detach(client: PtyClient): void {
    this.#clients.delete(client);
    this.#armIdle();
  }

  write(bytes: Uint8Array): void {
    if (!this.#ended) this.#child.stdin?.write(bytes);
  }

  resize(cols: number, rows: number): void {
    const control = this.#child.stdio[3] as Writable | null;
    if (!this.#ended) control?.write(`${JSON.stringify({ cols, rows })}\n`);
  }

  /** Ask the helper to kill the shell's whole session; SIGKILL the helper if it does not. */
  kill(): void {
    if (this.#ended || this.#child.pid === undefined) return;
    this.#child.kill('SIGTERM');
    const hard = setTimeout(() => {
      if (!this.#ended) this.#child.kill('SIGKILL');
    }, KILL_GRACE_MS);
    hard.unref();
  }

  #output(chunk: Buffer): void {
    this.#ring.push(chunk);
    for (const c of this.#clients) c.data(chunk);
  }

  #armIdle(): void {
    clearTimeout(this.#idle);
    if (this.#clients.size > 0 || this.#ended) return;
    this.#idle = setTimeout(() => this.kill(), this.#idleMs);
    this.#idle.unref();
  }

  #exitMessage(): PtyServerControl {
    const last = this.#status.trim().split('\n').pop() ?? '';
    try {
      const r = JSON.parse(last) as { code?: unknown; signal?: unknown };
      if (typeof r.code === 'number') {
        return typeof r.signal === 'string'
          ? { type: 'exit', code: r.code, signal: r.signal }
          : { type: 'exit', code: r.code };
      }
    } catch {
      // Killed before it could report: fall through.
    }
    log(`pty helper ended without a status: ${this.#status.slice(0, 200)}`);
    return { type: 'exit', code: 137, signal: 'SIGKILL' };
  }

  #end(message: PtyServerControl): void {
    if (this.#ended) return;
    this.#ended = true;
    clearTimeout(this.#idle);
    for (const c of this.#clients) c.control(message);
    this.#clients.clear();
    this.#onEnd();
  }
}
