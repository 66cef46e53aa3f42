/**
 * One session's bash process: a non-interactive shell reading commands from a pipe, leading its
 * own process group. It runs one line at a time (the session serialises) and reports when that
 * line's marker arrives, when the shell exits, or when a timeout or the caller ends it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { COMMAND_OOM_SCORE_ADJ, exitCodeOf } from '../child.js';
import { killSessionTree } from './kill.js';
import { parseMarker, type Marker } from './script.js';

export type RunOutcome =
  | { kind: 'done'; marker: Marker }
  /** The shell ended (the command ran `exit`, or it was killed): the session needs a new one. */
  | { kind: 'exited'; status: number }
  | { kind: 'timedOut' }
  | { kind: 'aborted' };

export interface RunLimits {
  timeout?: number | undefined;
  signal?: AbortSignal | undefined;
}

const ignore = (): void => {};

export class SessionShell {
  readonly pid: number;
  readonly exited: Promise<number>;
  #alive = true;
  #buffer = '';
  #waiter: ((m: Marker) => void) | undefined;

  private constructor(
    private readonly child: ChildProcess,
    private readonly nonce: string,
  ) {
    this.pid = child.pid as number;
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, sig) => {
        this.#alive = false;
        resolve(exitCodeOf(code, sig));
      });
    });
    child.stdout?.setEncoding('utf8').on('data', (d: string) => this.#onOutput(d));
    child.stdout?.on('error', ignore);
    child.stderr?.on('error', ignore).resume(); // the shell's own noise (e.g. set -x of markers)
    child.stdin?.on('error', ignore); // EPIPE when the shell has just exited
  }

  /** Starts bash; a spawn failure (no bash, process limit) rejects with the errno error. */
  static async start(
    cwd: string,
    env: Record<string, string>,
    nonce: string,
  ): Promise<SessionShell> {
    const child = spawn('/bin/bash', ['--noprofile', '--norc'], {
      cwd,
      env,
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: true, // setsid(): the shell leads a group holding everything it starts
    });
    if (child.pid === undefined) {
      const [error] = (await once(child, 'error')) as [unknown];
      throw error;
    }
    child.on('error', ignore);
    try {
      writeFileSync(`/proc/${child.pid}/oom_score_adj`, String(COMMAND_OOM_SCORE_ADJ));
    } catch {
      // No /proc here (tests elsewhere) or already gone.
    }
    return new SessionShell(child, nonce);
  }

  get alive(): boolean {
    return this.#alive;
  }

  /** Feeds one line and waits for the marker of `seq`, the shell's end, a timeout or abort. */
  async run(line: string, seq: number, limits: RunLimits): Promise<RunOutcome> {
    let stopped: 'timedOut' | 'aborted' | undefined;
    const stop = (why: 'timedOut' | 'aborted') => () => {
      stopped ??= why;
      killSessionTree(this.pid);
    };
    const onAbort = stop('aborted');
    const timer =
      limits.timeout === undefined ? undefined : setTimeout(stop('timedOut'), limits.timeout);
    limits.signal?.addEventListener('abort', onAbort, { once: true });
    const marker = new Promise<Marker>((resolve) => {
      this.#waiter = (m) => {
        if (m.seq === seq) resolve(m);
      };
    });
    if (limits.signal?.aborted) onAbort();
    else this.child.stdin?.write(line);
    try {
      return await Promise.race([
        marker.then((m): RunOutcome => ({ kind: 'done', marker: m })),
        this.exited.then((status): RunOutcome =>
          stopped ? { kind: stopped } : { kind: 'exited', status },
        ),
      ]);
    } finally {
      this.#waiter = undefined;
      clearTimeout(timer);
      limits.signal?.removeEventListener('abort', onAbort);
    }
  }

  /** Kills the shell, its group and its descendants, and waits for the shell to be gone. */
  async kill(): Promise<void> {
    killSessionTree(this.pid);
    await this.exited;
  }

  #onOutput(data: string): void {
    this.#buffer += data;
    let nl: number;
    while ((nl = this.#buffer.indexOf('\n')) !== -1) {
      const line = this.#buffer.slice(0, nl);
      this.#buffer = this.#buffer.slice(nl + 1);
      const m = parseMarker(line, this.nonce);
      if (m) this.#waiter?.(m);
    }
    // Only markers belong here; a flood written straight to the shell's stdout is not kept.
    if (this.#buffer.length > 64 * 1024) this.#buffer = this.#buffer.slice(-8192);
  }
}
