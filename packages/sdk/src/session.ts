/**
 * A session: a persistent shell in a sandbox. `cd`, `export` and shell functions persist between
 * its `exec` calls; calls of one session run one at a time, sessions run in parallel; all share
 * the sandbox's files, processes and network. Relative file paths start at the session's cwd.
 */
import { listFilesBody, type ListFilesOptions } from './list-request.js';
import type {
  ExecResult,
  ExistsResult,
  ListFilesResult,
  PathResult,
  ReadFileResult,
  RenameResult,
  SessionInfo,
  WriteFileResult,
} from '@paddock/protocol';
import { sandboxPath } from './client.js';
import { execDeadline, execRequest } from './exec-request.js';
import type { ExecOptions, FileOptions } from './sandbox.js';
import type { HttpMethod, RequestOptions } from './transport.js';
import type { ReadFileRequest, WriteFileRequest } from './types.js';

/**
 * Options of `sandbox.createSession`.
 *
 * @example
 * const options: SessionOptions = { id: 'build', cwd: '/workspace/app', env: { CI: '1' } };
 */
export interface SessionOptions {
  /** 1-63 lowercase letters, digits and inner hyphens; generated when left out. */
  id?: string;
  /** Environment of this session, over the sandbox's own (see `sandbox.setEnvVars`). */
  env?: Record<string, string>;
  /** Starting directory; absolute, or relative to /workspace. Default /workspace. */
  cwd?: string;
}

/**
 * Options of `session.exec`. With `cwd` or `env` the command runs in a subshell of the session:
 * it sees the session's state, and what it changes does not persist.
 *
 * @example
 * const options: SessionExecOptions = { timeout: 30_000 };
 */
export type SessionExecOptions = Omit<ExecOptions, 'stream' | 'onOutput'>;

/** Environment changes: a string sets a variable, `undefined` unsets it. */
export type EnvVars = Record<string, string | undefined>;

/** How a session reaches its sandbox (requests that create the sandbox on first use). @internal */
export interface SessionLink {
  sandboxId: string;
  timeoutMs: number;
  request<T>(method: HttpMethod, path: string, options?: RequestOptions): Promise<T>;
}

/** `undefined` travels as null, which the daemon reads as "unset". */
export function wireEnv(vars: EnvVars): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  for (const [name, value] of Object.entries(vars)) out[name] = value ?? null;
  return out;
}

/**
 * One session of a sandbox. Get one with `sandbox.createSession()` or `sandbox.getSession(id)`.
 *
 * @example
 * const s = await sandbox.createSession({ id: 'work' });
 * await s.exec('cd /tmp && export A=1');
 * (await s.exec('echo $A $(pwd)')).stdout; // '1 /tmp\n'
 */
export class ExecutionSession {
  readonly id: string;
  readonly #link: SessionLink;

  /** Prefer `sandbox.createSession()` / `sandbox.getSession(id)`. */
  constructor(link: SessionLink, id: string) {
    this.id = id;
    this.#link = link;
  }

  /**
   * Run a command in the session's shell and wait for it. A timeout ends the session's shell:
   * the session then continues with a fresh one (its env, its initial cwd).
   *
   * @example
   * const r = await session.exec('npm test', { timeout: 120_000 });
   * @throws CommandTimeoutError when `timeout` elapses; it carries the output so far.
   */
  exec(command: string | string[], options: SessionExecOptions = {}): Promise<ExecResult> {
    const body = execRequest(command, options);
    const timeoutMs = execDeadline(this.#link.timeoutMs, options.timeout);
    const path = this.#path('/exec');
    return this.#link.request<ExecResult>('POST', path, {
      body,
      timeoutMs,
      signal: options.signal,
    });
  }

  /**
   * Set (a string) or unset (`undefined`) environment variables in this session only.
   *
   * @example
   * await session.setEnvVars({ API_URL: 'http://localhost:3000', DEBUG: undefined });
   */
  async setEnvVars(vars: EnvVars): Promise<void> {
    await this.#link.request('PUT', this.#path('/env'), { body: { env: wireEnv(vars) } });
  }

  /**
   * The session's id and its current working directory.
   *
   * @example
   * const { cwd } = await session.info();
   */
  info(): Promise<SessionInfo> {
    return this.#link.request<SessionInfo>('GET', this.#path());
  }

  /**
   * Write a file; a relative path starts at the session's cwd.
   *
   * @example
   * await session.writeFile('notes.txt', 'hi');
   */
  writeFile(
    path: string,
    content: string | Uint8Array,
    options: FileOptions = {},
  ): Promise<WriteFileResult> {
    const body: WriteFileRequest =
      typeof content === 'string'
        ? { path, content, encoding: options.encoding ?? 'utf-8' }
        : { path, content: Buffer.from(content).toString('base64'), encoding: 'base64' };
    return this.#file('/files/write', body, options.signal);
  }

  /**
   * Read a file; a relative path starts at the session's cwd.
   *
   * @example
   * const { content } = await session.readFile('notes.txt');
   */
  readFile(path: string, options: FileOptions = {}): Promise<ReadFileResult> {
    const body: ReadFileRequest = options.encoding
      ? { path, encoding: options.encoding }
      : { path };
    return this.#file('/files/read', body, options.signal);
  }

  /**
   * Create a directory (relative to the session's cwd).
   *
   * @example
   * await session.mkdir('out/logs', { recursive: true });
   */
  mkdir(path: string, options: { recursive?: boolean; signal?: AbortSignal } = {}) {
    const body = { path, recursive: options.recursive === true };
    return this.#file<PathResult>('/files/mkdir', body, options.signal);
  }

  /**
   * Delete a file (not a directory), relative to the session's cwd.
   *
   * @example
   * await session.deleteFile('tmp.txt');
   */
  deleteFile(path: string, options: { signal?: AbortSignal } = {}): Promise<PathResult> {
    return this.#file('/files/delete', { path }, options.signal);
  }

  /**
   * Rename a file or directory; relative paths start at the session's cwd.
   *
   * @example
   * await session.renameFile('a.txt', 'b.txt');
   */
  renameFile(oldPath: string, newPath: string, options: { signal?: AbortSignal } = {}) {
    return this.#file<RenameResult>('/files/rename', { oldPath, newPath }, options.signal);
  }

  /**
   * Move a file or directory, `mv`-style; relative paths start at the session's cwd.
   *
   * @example
   * await session.moveFile('report.pdf', 'out/');
   */
  moveFile(sourcePath: string, destinationPath: string, options: { signal?: AbortSignal } = {}) {
    const body = { sourcePath, destinationPath };
    return this.#file<RenameResult>('/files/move', body, options.signal);
  }

  /**
   * List a directory (relative to the session's cwd).
   *
   * @example
   * const { files } = await session.listFiles('.');
   */
  listFiles(path: string, options: ListFilesOptions = {}): Promise<ListFilesResult> {
    return this.#file('/files/list', listFilesBody(path, options), options.signal);
  }

  /**
   * Whether a path (relative to the session's cwd) exists.
   *
   * @example
   * if ((await session.exists('package.json')).exists) await session.exec('npm ci');
   */
  exists(path: string, options: { signal?: AbortSignal } = {}): Promise<ExistsResult> {
    return this.#file('/files/exists', { path }, options.signal);
  }

  #path(suffix = ''): string {
    const base = sandboxPath(this.#link.sandboxId, `/sessions/${encodeURIComponent(this.id)}`);
    return `${base}${suffix}`;
  }

  #file<T>(suffix: string, body: unknown, signal: AbortSignal | undefined): Promise<T> {
    const options: RequestOptions = { body };
    if (signal) options.signal = signal;
    return this.#link.request<T>('POST', this.#path(suffix), options);
  }
}
