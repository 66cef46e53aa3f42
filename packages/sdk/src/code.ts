/**
 * The code interpreter on a sandbox: contexts (each a long-lived interpreter whose variables
 * persist between runs) and runs, streamed as events or folded into an ExecutionResult.
 */
import type {
  CodeContext,
  CodeContextDeleted,
  CodeContextList,
  CodeEvent,
  CodeLanguage,
  CreateCodeContextRequest,
  ExecutionError,
  ExecutionResult,
  RichResult,
  RunCodeRequest,
} from '@paddock/protocol';
import { ConnectionError } from './client-errors.js';
import { errorFromBody } from './errors.js';
import { untilDone } from './sse.js';
import { sandboxPath, type Paddock } from './client.js';

export interface CreateCodeContextOptions {
  language?: CodeLanguage;
  /** Working directory of the interpreter; default /workspace. */
  cwd?: string;
  /** Over the sandbox's env. */
  envVars?: Record<string, string>;
}

export interface RunCodeOptions {
  /** A context (or its id); without one, the sandbox's default context of `language`. */
  context?: CodeContext | string;
  language?: CodeLanguage;
  /** Milliseconds; default 60 s. The run is interrupted at it (the context keeps its state). */
  timeout?: number;
  signal?: AbortSignal;
  onStdout?: (data: string) => void;
  onStderr?: (data: string) => void;
  onResult?: (result: RichResult) => void;
  /** The user's code raised; the same error is in the result's `error`. */
  onError?: (error: ExecutionError) => void;
}

/** What code.ts needs of a Sandbox: its requests, each ensuring the sandbox exists. */
export interface CodeLink {
  url: () => string;
  request<T>(method: 'GET' | 'POST' | 'DELETE', suffix: string, body?: unknown): Promise<T>;
  stream(suffix: string, body: unknown, signal: AbortSignal): Promise<ReadableStream<Uint8Array>>;
}

/** The link of one sandbox; `run` ensures the sandbox exists around each request. */
export function codeLinkOf(
  client: Paddock,
  id: string,
  run: <T>(op: () => Promise<T>) => Promise<T>,
): CodeLink {
  return {
    url: () => client.url,
    request: (method, suffix, body) =>
      run(() => client.request(method, sandboxPath(id, suffix), { body })),
    stream: (suffix, body, signal) =>
      run(() => client.stream(sandboxPath(id, suffix), { body, signal })),
  };
}

/**
 * Create a context.
 *
 * @example
 * const ctx = await sandbox.createCodeContext({ language: 'python' });
 * await sandbox.runCode('x = 2', { context: ctx });
 */
export function createCodeContext(
  link: CodeLink,
  options: CreateCodeContextOptions = {},
): Promise<CodeContext> {
  const body: CreateCodeContextRequest = { ...options };
  return link.request<CodeContext>('POST', '/code/contexts', body);
}

export async function listCodeContexts(link: CodeLink): Promise<CodeContext[]> {
  return (await link.request<CodeContextList>('GET', '/code/contexts')).contexts;
}

export async function deleteCodeContext(
  link: CodeLink,
  context: CodeContext | string,
): Promise<void> {
  const id = typeof context === 'string' ? context : context.id;
  await link.request<CodeContextDeleted>('DELETE', `/code/contexts/${encodeURIComponent(id)}`);
}

function runBody(code: string, options: RunCodeOptions): RunCodeRequest {
  const body: RunCodeRequest = { code };
  if (options.context !== undefined) {
    body.context = typeof options.context === 'string' ? options.context : options.context.id;
  }
  if (options.language !== undefined) body.language = options.language;
  if (options.timeout !== undefined) body.timeout = options.timeout;
  return body;
}

/** The run's events: `start`, output and results, then `complete` or `error`. */
export async function* runCodeStream(
  link: CodeLink,
  code: string,
  options: RunCodeOptions = {},
): AsyncGenerator<CodeEvent> {
  const abort = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, abort.signal]) : abort.signal;
  const stream = await link.stream('/code/run', runBody(code, options), signal);
  yield* untilDone<CodeEvent>(
    stream,
    abort,
    () => new ConnectionError(link.url(), new Error('the event stream ended before the run did')),
  );
}

/**
 * Runs code and folds its events into an ExecutionResult. The last expression's value and open
 * matplotlib figures are in `results`; an error of the user's code is in `error`; a run that could
 * not finish throws (CODE_EXECUTION_TIMEOUT, CONTEXT_NOT_FOUND, CONTEXT_DEAD, SANDBOX_UNAVAILABLE).
 *
 * @example
 * const r = await sandbox.runCode('import pandas as pd\npd.DataFrame({"a": [1]})');
 * console.log(r.results[0]?.html);
 */
export async function runCode(
  link: CodeLink,
  code: string,
  options: RunCodeOptions = {},
): Promise<ExecutionResult> {
  const out: ExecutionResult = {
    code,
    contextId: '',
    logs: { stdout: [], stderr: [] },
    results: [],
    executionCount: 0,
    duration: 0,
  };
  for await (const ev of runCodeStream(link, code, options)) {
    if (ev.type === 'start') out.contextId = ev.contextId;
    else if (ev.type === 'stdout') {
      out.logs.stdout.push(ev.data);
      options.onStdout?.(ev.data);
    } else if (ev.type === 'stderr') {
      out.logs.stderr.push(ev.data);
      options.onStderr?.(ev.data);
    } else if (ev.type === 'result') {
      out.results.push(ev.result);
      options.onResult?.(ev.result);
    } else if (ev.type === 'execution_error') {
      out.error = ev.error;
      options.onError?.(ev.error);
    } else if (ev.type === 'complete') {
      return { ...out, executionCount: ev.executionCount, duration: ev.duration };
    } else {
      throw errorFromBody({ code: ev.code, message: ev.message, details: { logs: out.logs } });
    }
  }
  throw new Error('unreachable: runCodeStream ends with complete or error');
}
