/**
 * One background process: its output kept in rings (readable after exit), live listeners for
 * log streams, its status, and killing its whole tree. Output is never paused for a reader: a
 * background process must not stall because nobody (or a slow client) is watching.
 */
import type { ChildProcess } from 'node:child_process';
import { StringDecoder } from 'node:string_decoder';
import type { ProcessInfo, ProcessLogs, ProcessStatus } from '@paddock/protocol';
import { STDIO_GRACE_MS, exitCodeOf } from '../child.js';
import { LogRing } from './log-ring.js';
import { killTree } from './tree-kill.js';

export type LogEvent =
  | { type: 'stdout' | 'stderr'; data: string }
  | { type: 'exit'; exitCode: number; status: ProcessStatus };

export type LogListener = (event: LogEvent) => void;

const ignore = (): void => {};

export interface ProcessMeta {
  id: string;
  command: string;
  logLimit: number;
  /** The session it was started in, if any. */
  sessionId?: string | undefined;
}

export class ManagedProcess {
  readonly id: string;
  readonly command: string;
  readonly sessionId: string | undefined;
  readonly startTime = new Date();
  pid = 0;
  status: ProcessStatus = 'running';
  endTime: Date | undefined;
  exitCode: number | undefined;
  readonly ended: Promise<void>;
  private readonly rings: { stdout: LogRing; stderr: LogRing };
  private readonly listeners = new Set<LogListener>();
  private killRequested = false;
  private exited = false;
  private markEnded: () => void = ignore;

  constructor(meta: ProcessMeta) {
    this.id = meta.id;
    this.command = meta.command;
    this.sessionId = meta.sessionId;
    this.rings = { stdout: new LogRing(meta.logLimit), stderr: new LogRing(meta.logLimit) };
    this.ended = new Promise((resolve) => (this.markEnded = resolve));
  }

  get running(): boolean {
    return this.status === 'running';
  }

  /** Follow a spawned child: output into the rings and to listeners, then its end. */
  attach(child: ChildProcess): void {
    this.pid = child.pid ?? 0;
    this.forward('stdout', child.stdout);
    this.forward('stderr', child.stderr);
    child.on('error', ignore);
    child.once('close', (code, sig) => this.finish(exitCodeOf(code, sig)));
    child.once('exit', (code, sig) => {
      this.exited = true;
      // Background holders of the pipes must not keep the process "running" forever.
      setTimeout(() => this.finish(exitCodeOf(code, sig)), STDIO_GRACE_MS);
    });
  }

  /** The process could not be started at all: recorded like bash would report it. */
  failed(exitCode: number, stderr: string): void {
    this.rings.stderr.push(Buffer.from(stderr));
    this.exited = true;
    this.finish(exitCode, 'error');
  }

  private forward(type: 'stdout' | 'stderr', stream: NodeJS.ReadableStream | null): void {
    if (!stream) return;
    const decoder = new StringDecoder('utf8');
    stream.on('error', ignore);
    stream.on('data', (chunk: Buffer) => {
      this.rings[type].push(chunk);
      const data = decoder.write(chunk);
      if (data) this.emit({ type, data });
    });
  }

  private finish(exitCode: number, status?: ProcessStatus): void {
    if (!this.running) return;
    this.exitCode = exitCode;
    this.endTime = new Date();
    this.status =
      status ?? (this.killRequested ? 'killed' : exitCode === 0 ? 'completed' : 'failed');
    this.emit({ type: 'exit', exitCode, status: this.status });
    this.listeners.clear();
    this.markEnded();
  }

  private emit(event: LogEvent): void {
    for (const listener of this.listeners) listener(event);
  }

  /** Live events from now on; returns the unsubscribe. Replay comes from `logs()`. */
  subscribe(listener: LogListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get listenerCount(): number {
    return this.listeners.size;
  }

  /** Signal the whole tree, SIGKILL what is left after the grace; resolves once it has ended. */
  async kill(signal: NodeJS.Signals, graceMs: number): Promise<void> {
    if (!this.running || this.pid === 0) return;
    this.killRequested = true;
    await killTree(this.pid, { signal, graceMs, leaderExited: () => this.exited });
    // The leader is dead; its end is recorded within STDIO_GRACE_MS of its exit.
    await Promise.race([this.ended, new Promise((r) => setTimeout(r, STDIO_GRACE_MS * 4))]);
  }

  info(): ProcessInfo {
    const info: ProcessInfo = {
      id: this.id,
      pid: this.pid,
      command: this.command,
      status: this.status,
      startTime: this.startTime.toISOString(),
    };
    if (this.endTime) info.endTime = this.endTime.toISOString();
    if (this.exitCode !== undefined) info.exitCode = this.exitCode;
    if (this.sessionId !== undefined) info.sessionId = this.sessionId;
    return info;
  }

  logs(): ProcessLogs {
    const logs: ProcessLogs = {
      processId: this.id,
      stdout: this.rings.stdout.text(),
      stderr: this.rings.stderr.text(),
    };
    if (this.rings.stdout.truncated || this.rings.stderr.truncated) logs.truncated = true;
    return logs;
  }
}
