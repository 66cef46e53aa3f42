/**
 * The agent's table of background processes. It lives in memory as long as the agent, which
 * lives as long as the sandbox. Bounded: past `maxProcesses`, finished processes are forgotten
 * oldest first, and a start is refused when every tracked process is still running.
 */
import { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import {
  KILL_GRACE_MS,
  MAX_PROCESSES,
  PROCESS_LOG_LIMIT_BYTES,
  PaddockError,
  type ProcessSignal,
  type StartProcessRequest,
} from '@paddock/protocol';
import { start } from '../child.js';
import { argvOf, checkCwd, spawnFailure } from '../exec.js';
import { resolveInWorkspace } from '../paths.js';
import { ManagedProcess } from './managed.js';

export interface ProcessTableOptions {
  workspaceDir: string;
  baseEnv: Record<string, string>;
  maxProcesses?: number;
  logLimitBytes?: number;
  killGraceMs?: number;
}

export class ProcessTable {
  private readonly procs = new Map<string, ManagedProcess>();
  private readonly max: number;
  private readonly logLimit: number;
  readonly killGraceMs: number;

  constructor(private readonly opts: ProcessTableOptions) {
    this.max = opts.maxProcesses ?? MAX_PROCESSES;
    this.logLimit = opts.logLimitBytes ?? PROCESS_LOG_LIMIT_BYTES;
    this.killGraceMs = opts.killGraceMs ?? KILL_GRACE_MS;
  }

  async start(req: StartProcessRequest): Promise<ManagedProcess> {
    const id = req.processId ?? randomUUID();
    const sessionId = req.sessionId;
    const cwd = resolveInWorkspace(this.opts.workspaceDir, req.cwd ?? '.');
    await checkCwd(cwd);
    this.makeRoom(id);
    const [file, args] = argvOf(req.command);
    const command = typeof req.command === 'string' ? req.command : req.command.join(' ');
    const proc = new ManagedProcess({ id, command, logLimit: this.logLimit, sessionId });
    this.procs.set(id, proc);
    const env = { ...this.opts.baseEnv, PWD: cwd, ...req.env };
    const child = start({ file, args, cwd, env, outputLimit: this.logLimit });
    if (child instanceof ChildProcess && child.pid !== undefined) {
      proc.attach(child);
    } else {
      const error =
        child instanceof ChildProcess
          ? await once(child, 'error').then(([e]) => e as unknown)
          : child.error;
      const failure = spawnFailure(error, file);
      proc.failed(failure.exitCode, failure.stderr);
    }
    return proc;
  }

  /** A running process keeps its id; a finished one is forgotten when its id is reused. */
  private makeRoom(id: string): void {
    const existing = this.procs.get(id);
    if (existing?.running) {
      throw new PaddockError('PROCESS_ALREADY_EXISTS', `process '${id}' is already running`, {
        processId: id,
      });
    }
    this.procs.delete(id);
    if (this.procs.size < this.max) return;
    for (const [key, proc] of this.procs) {
      if (!proc.running) {
        this.procs.delete(key);
        return;
      }
    }
    throw new PaddockError('PROCESS_LIMIT_REACHED', `${this.max} processes are running already`);
  }

  get(id: string): ManagedProcess {
    const proc = this.procs.get(id);
    if (!proc) {
      throw new PaddockError('PROCESS_NOT_FOUND', `no process '${id}'`, { processId: id });
    }
    return proc;
  }

  list(): ManagedProcess[] {
    return [...this.procs.values()];
  }

  async kill(id: string, signal: ProcessSignal | undefined): Promise<ManagedProcess> {
    const proc = this.get(id);
    await proc.kill(signal ?? 'SIGTERM', this.killGraceMs);
    return proc;
  }

  /** Kills every running process (in parallel); the count of those it killed. */
  async killAll(signal: ProcessSignal | undefined): Promise<number> {
    const running = this.list().filter((p) => p.running);
    await Promise.all(running.map((p) => p.kill(signal ?? 'SIGTERM', this.killGraceMs)));
    return running.length;
  }

  /** A deleted session takes the processes started in it along (tree kill, no grace). */
  async killSession(sessionId: string): Promise<void> {
    const inSession = this.list().filter((p) => p.running && p.sessionId === sessionId);
    await Promise.all(inSession.map((p) => p.kill('SIGKILL', 0)));
  }

  /** When the agent's server closes (tests): nothing it started may outlive it. */
  shutdown(): void {
    for (const p of this.list()) void p.kill('SIGKILL', 0);
  }
}
