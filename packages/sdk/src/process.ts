/**
 * Background processes: `sandbox.startProcess` returns a `Process`, a handle that can be asked
 * for its status and logs, waited on (a log line, a port, its exit) and killed. The sandbox's
 * agent keeps the process table; logs stay readable after the process exits.
 */
import {
  withHint,
  type ErrorCode,
  type ProcessInfo,
  type ProcessLogEvent,
  type ProcessLogs,
  type ProcessSignal,
  type ProcessStatus,
  type WaitForPortBody,
} from '@paddock/protocol';
import { ConnectionError } from './client-errors.js';
import { PaddockError, errorFromBody } from './errors.js';
import { untilDone } from './sse.js';
import type { HttpMethod } from './transport.js';

/**
 * Options of `sandbox.startProcess`.
 *
 * @example
 * const options: StartProcessOptions = { processId: 'web', env: { PORT: '8080' }, cwd: 'app' };
 */
export interface StartProcessOptions {
  /** Your own id (letters, digits, `.`, `_`, `-`); default a random UUID. */
  processId?: string;
  /** Extra environment; entries whose value is undefined are left out. */
  env?: Record<string, string | undefined>;
  /** Working directory; absolute, or relative to /workspace (or to the session's cwd). */
  cwd?: string;
  /** Start in this session: its cwd and env apply, and deleting the session kills the process. */
  sessionId?: string;
  signal?: AbortSignal;
}

/**
 * Options of `process.waitForPort`.
 *
 * @example
 * const options: WaitForPortOptions = { mode: 'http', path: '/health', status: 200, timeout: 30_000 };
 */
export interface WaitForPortOptions {
  /** `http` (default): a GET must answer with `status`; `tcp`: a connect must succeed. */
  mode?: 'http' | 'tcp';
  /** HTTP path to GET; default `/`. */
  path?: string;
  /** Accepted HTTP status: one code or a range; default 200-399. */
  status?: number | { min: number; max: number };
  /** Milliseconds to wait in all; default 60000. */
  timeout?: number;
  /** Milliseconds between checks; default 250. */
  interval?: number;
}

/**
 * What the SDK needs from a Sandbox to manage its processes (relative routes).
 *
 * @internal
 */
export interface ProcessTransport {
  request<T>(
    method: HttpMethod,
    suffix: string,
    body?: unknown,
    options?: { timeoutMs?: number; signal?: AbortSignal | undefined },
  ): Promise<T>;
  stream(suffix: string, signal: AbortSignal): Promise<ReadableStream<Uint8Array>>;
  url(): string;
}

const DEFAULT_PORT_TIMEOUT_MS = 60_000;

function processError(code: ErrorCode, message: string, details?: Record<string, unknown>) {
  return errorFromBody({ code, message: withHint(code, message), ...(details && { details }) });
}

const route = (id: string, suffix = '') => `/processes/${encodeURIComponent(id)}${suffix}`;

/**
 * The process operations of one sandbox; `Sandbox` delegates to it.
 *
 * @internal
 */
export class Processes {
  constructor(readonly transport: ProcessTransport) {}

  async start(command: string | string[], options: StartProcessOptions = {}): Promise<Process> {
    const body: Record<string, unknown> = { command };
    if (options.processId !== undefined) body['processId'] = options.processId;
    if (options.cwd !== undefined) body['cwd'] = options.cwd;
    if (options.sessionId !== undefined) body['sessionId'] = options.sessionId;
    if (options.env) body['env'] = definedOnly(options.env);
    const info = await this.transport.request<ProcessInfo>('POST', '/processes', body, {
      signal: options.signal,
    });
    return new Process(info, this);
  }

  async list(): Promise<Process[]> {
    const r = await this.transport.request<{ processes: ProcessInfo[] }>('GET', '/processes');
    return r.processes.map((info) => new Process(info, this));
  }

  info(id: string): Promise<ProcessInfo> {
    return this.transport.request<ProcessInfo>('GET', route(id));
  }

  async get(id: string): Promise<Process | null> {
    try {
      return new Process(await this.info(id), this);
    } catch (e) {
      if (PaddockError.is(e) && e.code === 'PROCESS_NOT_FOUND') return null;
      throw e;
    }
  }

  kill(id: string, signal?: ProcessSignal): Promise<ProcessInfo> {
    return this.transport.request<ProcessInfo>(
      'POST',
      route(id, '/kill'),
      signal ? { signal } : {},
    );
  }

  async killAll(signal?: ProcessSignal): Promise<number> {
    const body = signal ? { signal } : {};
    return (await this.transport.request<{ killed: number }>('POST', '/processes/kill-all', body))
      .killed;
  }

  logs(id: string): Promise<ProcessLogs> {
    return this.transport.request<ProcessLogs>('GET', route(id, '/logs'));
  }

  async *streamLogs(
    id: string,
    options: { signal?: AbortSignal } = {},
  ): AsyncGenerator<ProcessLogEvent> {
    const abort = new AbortController();
    const signal = options.signal ? AbortSignal.any([options.signal, abort.signal]) : abort.signal;
    const body = await this.transport.stream(route(id, '/logs/stream'), signal);
    // A reader that leaves early closes the stream.
    const cutShort = () =>
      new ConnectionError(this.transport.url(), new Error('the log stream ended early'));
    yield* untilDone<ProcessLogEvent>(body, abort, cutShort, ['exit', 'error']);
  }

  async waitForPort(id: string, port: number, options: WaitForPortOptions): Promise<void> {
    const body: WaitForPortBody = { port, mode: options.mode ?? 'http' };
    if (options.path !== undefined) body.path = options.path;
    if (options.interval !== undefined) body.interval = options.interval;
    const { status } = options;
    if (status !== undefined) {
      body.status = typeof status === 'number' ? { min: status, max: status } : status;
    }
    const timeout = options.timeout ?? DEFAULT_PORT_TIMEOUT_MS;
    body.timeout = timeout;
    await this.transport.request('POST', route(id, '/wait-for-port'), body, {
      timeoutMs: timeout + 30_000,
    });
  }
}

function definedOnly(env: Record<string, string | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined) out[k] = v;
  return out;
}

/**
 * Calls `onLine` with every complete line of both streams, then what is left of each at the end.
 * Resolves to the value `onLine` first returns, or to the exit event.
 */
async function scanLines<T>(
  events: AsyncIterable<ProcessLogEvent>,
  onLine: (line: string) => T | undefined,
): Promise<{ found: T } | { exit: ProcessLogEvent & { type: 'exit' } }> {
  const partial = { stdout: '', stderr: '' };
  for await (const ev of events) {
    if (ev.type === 'error') throw errorFromBody({ code: ev.code, message: ev.message });
    if (ev.type === 'exit') {
      for (const rest of [partial.stdout, partial.stderr]) {
        const found = rest ? onLine(rest) : undefined;
        if (found !== undefined) return { found };
      }
      return { exit: ev };
    }
    const lines = (partial[ev.type] + ev.data).split('\n');
    partial[ev.type] = lines.pop() ?? '';
    for (const line of lines) {
      const found = onLine(line);
      if (found !== undefined) return { found };
    }
  }
  throw new Error('unreachable: a log stream ends with exit or error');
}

/**
 * A background process in a sandbox. Its fields are as of the last call that refreshed them
 * (`getStatus`, `kill`, the waits).
 *
 * @example
 * const web = await sandbox.startProcess('python3 -m http.server 8000');
 * await web.waitForPort(8000);
 * await web.kill();
 */
export class Process {
  readonly id: string;
  readonly pid: number;
  readonly command: string;
  /** The session it was started in, if any. */
  readonly sessionId: string | undefined;
  status!: ProcessStatus;
  readonly startTime: Date;
  endTime?: Date;
  exitCode?: number;
  readonly #ops: Processes;

  /** @internal Made by `sandbox.startProcess`, `getProcess` and `listProcesses`. */
  constructor(info: ProcessInfo, ops: Processes) {
    this.id = info.id;
    this.pid = info.pid;
    this.command = info.command;
    this.sessionId = info.sessionId;
    this.startTime = new Date(info.startTime);
    this.#ops = ops;
    this.#update(info);
  }

  #update(info: ProcessInfo): void {
    this.status = info.status;
    if (info.endTime !== undefined) this.endTime = new Date(info.endTime);
    if (info.exitCode !== undefined) this.exitCode = info.exitCode;
  }

  /**
   * Kill the process and everything it started: `signal` (default SIGTERM), then SIGKILL for
   * whatever is still alive after 5 s. Resolves once the tree is gone.
   *
   * @example
   * await proc.kill('SIGINT');
   */
  async kill(signal?: ProcessSignal): Promise<void> {
    this.#update(await this.#ops.kill(this.id, signal));
  }

  /**
   * The current status, fetched from the sandbox.
   *
   * @example
   * if ((await proc.getStatus()) === 'running') console.log('still up');
   */
  async getStatus(): Promise<ProcessStatus> {
    this.#update(await this.#ops.info(this.id));
    return this.status;
  }

  /**
   * Output kept so far (the last 1 MiB of each stream), also after exit.
   *
   * @example
   * const { stdout, stderr } = await proc.getLogs();
   */
  async getLogs(): Promise<{ stdout: string; stderr: string; truncated?: boolean }> {
    const { stdout, stderr, truncated } = await this.#ops.logs(this.id);
    return truncated ? { stdout, stderr, truncated } : { stdout, stderr };
  }

  /**
   * Wait for a line of stdout or stderr (already logged or to come) containing `pattern`, or
   * matching it when a RegExp.
   *
   * @example
   * const { line } = await proc.waitForLog(/listening on (\d+)/, 10_000);
   * @throws ProcessReadyTimeoutError after `timeoutMs`; ProcessExitedBeforeReadyError if it exits.
   */
  async waitForLog(pattern: string | RegExp, timeoutMs?: number): Promise<{ line: string }> {
    const test = (line: string) =>
      (typeof pattern === 'string' ? line.includes(pattern) : pattern.test(line))
        ? { line }
        : undefined;
    const r = await this.#withTimeout(timeoutMs, `a log line matching ${String(pattern)}`, (s) =>
      scanLines(this.#ops.streamLogs(this.id, { signal: s }), test),
    );
    if ('found' in r) return r.found;
    this.#exited(r.exit);
    throw processError(
      'PROCESS_EXITED_BEFORE_READY',
      `process '${this.id}' exited (code ${r.exit.exitCode}) before logging ${String(pattern)}`,
      { processId: this.id, exitCode: r.exit.exitCode },
    );
  }

  /**
   * Wait until the process has exited.
   *
   * @example
   * const { exitCode } = await proc.waitForExit(60_000);
   * @throws ProcessReadyTimeoutError after `timeoutMs`.
   */
  async waitForExit(timeoutMs?: number): Promise<{ exitCode: number }> {
    const r = await this.#withTimeout(timeoutMs, 'its exit', (s) =>
      scanLines(this.#ops.streamLogs(this.id, { signal: s }), () => undefined),
    );
    if ('found' in r) throw new Error('unreachable');
    this.#exited(r.exit);
    return { exitCode: r.exit.exitCode };
  }

  /**
   * Wait until `port` answers inside the sandbox: an HTTP GET with an accepted status (default),
   * or a TCP connect. The check runs in the sandbox; fails fast if the process exits.
   *
   * @example
   * await proc.waitForPort(8080, { path: '/health', timeout: 30_000 });
   * @throws ProcessReadyTimeoutError, ProcessExitedBeforeReadyError
   */
  waitForPort(port: number, options: WaitForPortOptions = {}): Promise<void> {
    return this.#ops.waitForPort(this.id, port, options);
  }

  #exited(ev: { exitCode: number; status: ProcessStatus }): void {
    this.status = ev.status;
    this.exitCode = ev.exitCode;
  }

  async #withTimeout<T>(
    timeoutMs: number | undefined,
    what: string,
    run: (signal: AbortSignal) => Promise<T>,
  ): Promise<T> {
    const abort = new AbortController();
    const timer = timeoutMs === undefined ? undefined : setTimeout(() => abort.abort(), timeoutMs);
    try {
      return await run(abort.signal);
    } catch (e) {
      if (!abort.signal.aborted) throw e;
      throw processError(
        'PROCESS_READY_TIMEOUT',
        `process '${this.id}' did not show ${what} within ${timeoutMs} ms`,
        { processId: this.id },
      );
    } finally {
      clearTimeout(timer);
      abort.abort(); // whatever happened, the log stream is closed
    }
  }
}
