/**
 * POST /exec/stream: run one command and report it as it happens, as NDJSON lines of ExecEvent:
 * `start`, output chunks, then `complete` once the process has exited (or `error`). Output is
 * backpressured: when the reader falls behind, the command's pipes are paused, so a flood fills
 * no memory; past the output cap chunks are dropped and `complete` says `truncated`.
 */
import { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { StringDecoder } from 'node:string_decoder';
import type { ExecEvent, ExecRequest } from '@paddock/protocol';
import { STDIO_GRACE_MS, exitCodeOf, killGroup, start } from './child.js';
import { argvOf, checkCwd, elapsed, spawnFailure, type ExecOptions } from './exec.js';
import { resolveInWorkspace } from './paths.js';

export interface EventSink {
  /** Returns false when the reader is behind; `drained` then fires once it has caught up. */
  emit(event: ExecEvent): boolean;
  drained(cb: () => void): void;
}

const CHUNK_CHARS = 64 * 1024;
const ignore = (): void => {};

/** Validates the cwd (throwing before anything is streamed), then streams the command. */
export async function streamCommand(
  request: ExecRequest,
  opts: ExecOptions,
  sink: EventSink,
): Promise<void> {
  const cwd = resolveInWorkspace(opts.workspaceDir, request.cwd ?? '.');
  await checkCwd(cwd);
  const [file, args] = argvOf(request.command);
  const started = performance.now();
  const env = { ...opts.baseEnv, PWD: cwd, ...request.env };
  const child = start({
    file,
    args,
    cwd,
    env,
    outputLimit: request.outputLimit ?? opts.outputLimitBytes,
    signal: opts.signal,
  });
  if (!(child instanceof ChildProcess) || child.pid === undefined) {
    // Spawn failures other than the synchronous ones arrive as the child's 'error' event.
    const error =
      child instanceof ChildProcess
        ? await once(child, 'error').then(([e]) => e as unknown)
        : child.error;
    const failure = spawnFailure(error, file);
    sink.emit({ type: 'stderr', data: failure.stderr });
    sink.emit({ type: 'complete', exitCode: failure.exitCode, duration: elapsed(started) });
    return;
  }
  sink.emit({ type: 'start', pid: child.pid });
  await new StreamRun(child, request, opts, sink, started).done;
}

/** One running command's life: output forwarding, timeout, caller abort, the final event. */
class StreamRun {
  readonly done: Promise<void>;
  private finished = false;
  private budget: number;
  private truncated = false;
  private timedOut = false;
  private readonly timer: NodeJS.Timeout | undefined;
  private readonly onAbort = () => killGroup(this.child.pid);
  private resolve: () => void = ignore;

  constructor(
    private readonly child: ChildProcess,
    private readonly request: ExecRequest,
    private readonly opts: ExecOptions,
    private readonly sink: EventSink,
    private readonly started: number,
  ) {
    this.done = new Promise((resolve) => (this.resolve = resolve));
    this.budget = request.outputLimit ?? opts.outputLimitBytes;
    this.forward('stdout', child.stdout);
    this.forward('stderr', child.stderr);
    this.timer =
      request.timeout === undefined ? undefined : setTimeout(() => this.timeout(), request.timeout);
    opts.signal?.addEventListener('abort', this.onAbort, { once: true });
    if (opts.signal?.aborted) this.onAbort();
    child.once('close', (code, sig) => this.finish(code, sig));
    child.once('exit', (code, sig) => {
      clearTimeout(this.timer);
      setTimeout(() => this.finish(code, sig), STDIO_GRACE_MS);
    });
    child.on('error', ignore);
  }

  private timeout(): void {
    this.timedOut = true;
    killGroup(this.child.pid);
  }

  private forward(type: 'stdout' | 'stderr', stream: NodeJS.ReadableStream | null): void {
    if (!stream) return;
    const decoder = new StringDecoder('utf8');
    let paused = false;
    const resume = () => {
      paused = false;
      stream.resume();
    };
    stream.on('error', ignore);
    stream.on('data', (chunk: Buffer) => {
      if (this.finished) return;
      const allowed = Math.max(0, Math.min(chunk.length, this.budget));
      this.budget -= allowed;
      if (allowed < chunk.length) this.truncated = true;
      const text = decoder.write(chunk.subarray(0, allowed));
      for (let i = 0; i < text.length; i += CHUNK_CHARS) {
        if (!this.sink.emit({ type, data: text.slice(i, i + CHUNK_CHARS) }) && !paused) {
          paused = true;
          stream.pause();
          this.sink.drained(resume);
        }
      }
    });
  }

  private finish(code: number | null, sig: NodeJS.Signals | null): void {
    if (this.finished) return;
    this.finished = true;
    clearTimeout(this.timer);
    this.opts.signal?.removeEventListener('abort', this.onAbort);
    // Background processes may hold the pipes: keep draining (discarding) so they never block.
    this.child.stdout?.resume();
    this.child.stderr?.resume();
    this.sink.emit(this.finalEvent(code, sig));
    this.resolve();
  }

  private finalEvent(code: number | null, sig: NodeJS.Signals | null): ExecEvent {
    if (this.timedOut) {
      const message = `command timed out after ${this.request.timeout ?? 0} ms`;
      return { type: 'error', code: 'COMMAND_TIMEOUT', message };
    }
    const duration = elapsed(this.started);
    const exitCode = exitCodeOf(code, sig);
    return { type: 'complete', exitCode, duration, ...(this.truncated ? { truncated: true } : {}) };
  }
}
