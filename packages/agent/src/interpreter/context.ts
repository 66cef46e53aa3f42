/**
 * One code context: a long-lived runner process (Python, or Node for JavaScript/TypeScript)
 * leading its own process group. Runs in a context queue; contexts run in parallel. A run ends
 * when the runner's `done` frame and its end marker on both output streams are in. At a run's
 * timeout the group gets SIGINT (the run is interrupted, state kept); a runner that does not
 * come back within the grace period is killed, and the context is dead from then on.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { kernelRandomHex } from '../random.js';
import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import {
  MAX_RESULT_FIELD_CHARS,
  PaddockError,
  type CodeContext,
  type CodeEvent,
  type CodeLanguage,
} from '@paddock/protocol';
import { killGroup } from '../child.js';
import {
  LineSplitter,
  MAX_FRAME_BYTES,
  MarkerCutter,
  endMarker,
  parseFrame,
  type Frame,
} from './frames.js';
import { JS_RUNNER } from './js-runner.js';
import { PYTHON_RUNNER } from './python-runner.js';

export interface ContextSpec {
  id: string;
  language: CodeLanguage;
  cwd: string;
  env: Record<string, string>;
  /** How long the runner has to say it is ready. */
  startTimeoutMs: number;
  /** How long an interrupted run has to stop before its runner is killed. */
  interruptGraceMs: number;
}

export interface RunSink {
  /** Returns false when the reader is behind; `drained` then fires once it has caught up. */
  emit(event: CodeEvent): boolean;
  drained(cb: () => void): void;
}

/** The argv of a language's runner (pure). */
export function runnerArgv(language: CodeLanguage): [string, string[]] {
  return language === 'python'
    ? ['python3', ['-u', '-c', PYTHON_RUNNER]]
    : ['node', ['-e', JS_RUNNER]];
}

interface ActiveRun {
  sink: RunSink;
  done: boolean;
  timedOut: boolean;
  finish(event: CodeEvent): void;
}

export class CodeContextProcess {
  readonly createdAt = new Date().toISOString();
  lastUsed = this.createdAt;
  private readonly child: ChildProcess;
  private dead = false;
  private run: ActiveRun | undefined;
  private queue: Promise<void> = Promise.resolve();
  private count = 0;
  private readonly out: MarkerCutter;
  private readonly err: MarkerCutter;
  private readonly ready: Promise<void>;
  private onFrame: (frame: Frame) => void = () => undefined;

  constructor(readonly spec: ContextSpec) {
    const [file, args] = runnerArgv(spec.language);
    const env = {
      ...spec.env,
      MPLBACKEND: 'Agg',
      PADDOCK_RESULT_LIMIT: String(MAX_RESULT_FIELD_CHARS),
      PADDOCK_LANGUAGE: spec.language,
    };
    this.child = spawn(file, args, {
      cwd: spec.cwd,
      env,
      stdio: ['ignore', 'pipe', 'pipe', 'pipe', 'pipe'],
      detached: true, // its own process group: an interrupt or kill reaches what it started
    });
    this.out = new MarkerCutter((data) => this.output('stdout', data));
    this.err = new MarkerCutter((data) => this.output('stderr', data));
    this.pipe(this.child.stdout, (t) => this.out.push(t));
    this.pipe(this.child.stderr, (t) => this.err.push(t));
    const frames = new LineSplitter(MAX_FRAME_BYTES, (line) => this.onFrame(parseFrame(line)));
    this.pipe(this.child.stdio[4] as Readable, (t) => frames.push(t));
    this.ready = this.waitReady();
    this.ready.catch(() => undefined); // the caller of started() gets the rejection
    (this.child.stdio[3] as Readable | null)?.on('error', () => undefined);
    this.child.once('exit', () => this.died());
  }

  get id(): string {
    return this.spec.id;
  }

  /** Resolves once the runner said it is ready; INTERPRETER_NOT_READY otherwise. */
  started(): Promise<void> {
    return this.ready;
  }

  info(): CodeContext {
    const status = this.dead ? 'dead' : this.run ? 'busy' : 'ready';
    const { id, language, cwd } = this.spec;
    return { id, language, cwd, createdAt: this.createdAt, lastUsed: this.lastUsed, status };
  }

  /** Runs code after the context's earlier runs; the sink gets `start` through the last event. */
  execute(code: string, timeoutMs: number, sink: RunSink, signal: AbortSignal): Promise<void> {
    const next = this.queue.then(() => this.runOne(code, timeoutMs, sink, signal));
    this.queue = next.catch(() => undefined);
    return next;
  }

  kill(): void {
    this.dead = true;
    killGroup(this.child.pid);
  }

  private waitReady(): Promise<void> {
    return new Promise((resolve, reject) => {
      const fail = (why: string) => {
        this.kill();
        reject(
          new PaddockError('INTERPRETER_NOT_READY', `The ${this.spec.language} interpreter ${why}`),
        );
      };
      const timer = setTimeout(() => fail('did not start in time'), this.spec.startTimeoutMs);
      this.child.once('error', (e) => fail(`could not start (${e.message})`));
      this.child.once('exit', () => fail('exited while starting'));
      this.onFrame = (frame) => {
        if (frame.type !== 'ready') return;
        clearTimeout(timer);
        this.onFrame = (f) => this.frame(f);
        resolve();
      };
    });
  }

  private async runOne(
    code: string,
    timeoutMs: number,
    sink: RunSink,
    signal: AbortSignal,
  ): Promise<void> {
    if (this.dead) {
      sink.emit({ type: 'error', code: 'CONTEXT_DEAD', message: `Context '${this.id}' is dead` });
      return;
    }
    this.lastUsed = new Date().toISOString();
    const nonce = kernelRandomHex(12);
    const started = performance.now();
    await new Promise<void>((resolve) => {
      const run: ActiveRun = {
        sink,
        done: false,
        timedOut: false,
        finish: (event) => {
          clearTimeout(timer);
          clearTimeout(grace);
          signal.removeEventListener('abort', interrupt);
          this.run = undefined;
          // Pipes paused for a slow reader flow again (discarded) once the run is over.
          this.child.stdout?.resume();
          this.child.stderr?.resume();
          sink.emit(event);
          resolve();
        },
      };
      let grace: NodeJS.Timeout | undefined;
      const interrupt = () => {
        this.signalGroup('SIGINT');
        grace = setTimeout(() => this.kill(), this.spec.interruptGraceMs);
      };
      const timer = setTimeout(() => {
        run.timedOut = true;
        interrupt();
      }, timeoutMs);
      signal.addEventListener('abort', interrupt, { once: true });
      this.run = run;
      this.behind = false;
      this.out.expect(endMarker(nonce));
      this.err.expect(endMarker(nonce));
      sink.emit({ type: 'start', contextId: this.id });
      const request = { code, nonce, timeout: timeoutMs };
      (this.child.stdio[3] as NodeJS.WritableStream).write(`${JSON.stringify(request)}\n`);
      this.completeIfDone(started);
      this.afterFrame = () => this.completeIfDone(started);
    });
    this.afterFrame = () => undefined;
  }

  private afterFrame: () => void = () => undefined;
  private behind = false;

  private frame(frame: Frame): void {
    const run = this.run;
    if (!run) return;
    if (frame.type === 'result') run.sink.emit({ type: 'result', result: frame.result });
    else if (frame.type === 'error' && !run.timedOut) {
      run.sink.emit({ type: 'execution_error', error: frame.error });
    } else if (frame.type === 'invalid') {
      run.sink.emit({ type: 'stderr', data: `[paddock] the interpreter sent ${frame.why}\n` });
    } else if (frame.type === 'done') run.done = true;
    this.afterFrame();
  }

  private completeIfDone(started: number): void {
    const run = this.run;
    if (!run || !run.done || !this.out.seen || !this.err.seen) return;
    this.count += 1;
    const duration = Math.round(performance.now() - started);
    if (run.timedOut) {
      const message = `The run was interrupted at its timeout; context '${this.id}' keeps its state`;
      run.finish({ type: 'error', code: 'CODE_EXECUTION_TIMEOUT', message });
    } else {
      run.finish({ type: 'complete', executionCount: this.count, duration });
    }
  }

  private output(type: 'stdout' | 'stderr', data: string): void {
    if (this.run && !this.run.sink.emit({ type, data })) this.behind = true;
  }

  private pipe(stream: Readable | null | undefined, onText: (text: string) => void): void {
    if (!stream) return;
    const decoder = new StringDecoder('utf8');
    stream.on('error', () => undefined);
    stream.on('data', (chunk: Buffer) => {
      const text = decoder.write(chunk);
      for (let i = 0; i < text.length; i += 64 * 1024) onText(text.slice(i, i + 64 * 1024));
      this.afterFrame(); // a marker may have completed the run
      const run = this.run;
      if (run && this.behind) {
        // A flood waits for the reader: the runner blocks on its full pipe, no buffer grows.
        this.behind = false;
        stream.pause();
        run.sink.drained(() => stream.resume());
      }
    });
  }

  private signalGroup(sig: NodeJS.Signals): void {
    try {
      if (this.child.pid !== undefined) process.kill(-this.child.pid, sig);
    } catch {
      // Already gone: the exit handler reports it.
    }
  }

  private died(): void {
    this.dead = true;
    const run = this.run;
    if (!run) return;
    const how = run.timedOut ? 'did not stop at its timeout and was killed' : 'exited';
    const code = run.timedOut ? 'CODE_EXECUTION_TIMEOUT' : 'CONTEXT_DEAD';
    run.finish({
      type: 'error',
      code,
      message: `The interpreter of context '${this.id}' ${how}; its state is gone`,
    });
  }
}
