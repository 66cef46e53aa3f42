/**
 * A handle on one sandbox by id. The sandbox is created on first use and re-created once if it
 * was destroyed behind the handle's back, so callers never manage its existence by hand.
 */
import { listFilesBody, type ListFilesOptions } from './list-request.js';
import type {
  ExecEvent,
  ExecResult,
  ExposedPort,
  PreviewGrant,
  PreviewInfo,
  ExistsResult,
  ListFilesResult,
  PathResult,
  ProcessLogEvent,
  ProcessLogs,
  ProcessSignal,
  ReadFileResult,
  RenameResult,
  SandboxInfo,
  SessionDeleted,
  SessionInfo,
  WriteFileResult,
  WatchEvent,
} from '@paddock/protocol';
import { sandboxPath, type Paddock } from './client.js';
import { ConnectionError } from './client-errors.js';
import { execDeadline, execRequest } from './exec-request.js';
import { collectStream, untilDone } from './sse.js';
import {
  ExecutionSession,
  wireEnv,
  type EnvVars,
  type SessionLink,
  type SessionOptions,
} from './session.js';
import { Processes, type Process, type StartProcessOptions } from './process.js';
import type { ReadFileRequest, WriteFileRequest } from './types.js';
import { watchFiles, type WatchOptions } from './watch.js';
import { openTerminal, type Terminal, type TerminalOptions } from './terminal.js';
import { lifecycleCall, updateSettings, type Duration } from './lifecycle.js';
import { Existence } from './existence.js';
import { setNetworkPolicy, type NetworkPolicy, type NetworkPolicyInput } from './network.js';
import type { ExecOptions, FileOptions, SandboxOptions } from './options.js';
import { Previews, type ExposePortOptions } from './previews.js';
import * as code from './code.js';
import {
  codeLinkOf,
  type CodeLink,
  type CreateCodeContextOptions,
  type RunCodeOptions,
} from './code.js';
import { gitCheckout, gitLinkOf, type GitCheckoutOptions, type GitLink } from './git.js';
import type { CodeContext, CodeEvent, ExecutionResult, GitCheckoutResult } from '@paddock/protocol';

export type { ExecOptions, FileOptions, SandboxOptions } from './options.js';

/**
 * Get a handle on the sandbox `id`, created on first use with `options`. An existing sandbox with
 * that id is reused as it is (its limits are not changed).
 *
 * @example
 * const sandbox = getSandbox(paddock, 'my-task', { limits: { memoryMiB: 512 } });
 * const { stdout } = await sandbox.exec('echo hello');
 */
export function getSandbox(client: Paddock, id: string, options: SandboxOptions = {}): Sandbox {
  return new Sandbox(client, id, options);
}

/**
 * One sandbox: run commands, move files, destroy it. Get one with `getSandbox`.
 *
 * @example
 * await using sandbox = getSandbox(paddock, 'scratch');
 * await sandbox.writeFile('hello.txt', 'hi');
 * const result = await sandbox.exec(['cat', 'hello.txt']);
 */
export class Sandbox implements AsyncDisposable {
  readonly id: string;
  readonly #client: Paddock;
  /** Creates the sandbox on first use and re-creates it once if it vanished. */
  readonly #life: Existence;
  readonly #previews: Previews;

  /** Prefer `getSandbox(client, id, options)`. */
  constructor(client: Paddock, id: string, options: SandboxOptions = {}) {
    this.id = id;
    this.#client = client;
    this.#life = new Existence(client, id, options);
    this.#previews = new Previews(client, id, (op) => this.#run(op));
  }

  #run<T>(op: () => Promise<T>): Promise<T> {
    return this.#life.run(op);
  }

  #ensureThen<T>(op: () => Promise<T>): Promise<T> {
    return this.#life.ensureThen(op);
  }

  /**
   * Run a command and wait for it. A string runs through `/bin/bash -c`; an array runs as argv
   * without a shell. A non-zero exit code is a result, not an error.
   *
   * @example
   * const r = await sandbox.exec('ls -la', { cwd: '/tmp', timeout: 10_000 });
   * if (!r.success) console.error(r.exitCode, r.stderr);
   * @throws CommandTimeoutError when `timeout` elapses; it carries the output so far.
   */
  exec(command: string | string[], options: ExecOptions = {}): Promise<ExecResult> {
    if (options.stream) return collectStream(this.execStream(command, options), options.onOutput);
    const body = execRequest(command, options);
    const timeoutMs = execDeadline(this.#client.timeoutMs, options.timeout);
    const path = sandboxPath(this.id, '/exec');
    return this.#run(() =>
      this.#client.request<ExecResult>('POST', path, { body, timeoutMs, signal: options.signal }),
    );
  }

  /**
   * Write a file, creating parent directories. Bytes (`Uint8Array`) are sent as base64; a string
   * is sent as UTF-8 unless `encoding: 'base64'` says it already is base64.
   *
   * @example
   * await sandbox.writeFile('main.py', 'print(1)');
   * await sandbox.writeFile('logo.png', pngBytes);
   */
  writeFile(
    path: string,
    content: string | Uint8Array | ReadableStream<Uint8Array>,
    options: FileOptions = {},
  ): Promise<WriteFileResult> {
    if (content instanceof ReadableStream) {
      // Streamed: no size cap but the disk quota. A stream can be read once, so no retry.
      const route = `${sandboxPath(this.id, '/files/stream/write')}?path=${encodeURIComponent(path)}`;
      return this.#ensureThen(() =>
        this.#client.upload<WriteFileResult>(route, content, options.signal),
      );
    }
    const body: WriteFileRequest =
      typeof content === 'string'
        ? { path, content, encoding: options.encoding ?? 'utf-8' }
        : { path, content: toBase64(content), encoding: 'base64' };
    const route = sandboxPath(this.id, '/files/write');
    return this.#run(() =>
      this.#client.request<WriteFileResult>('POST', route, { body, signal: options.signal }),
    );
  }

  /**
   * Read a file. `encoding: 'base64'` returns binary content as base64.
   *
   * @example
   * const { content } = await sandbox.readFile('out.txt');
   * const png = await sandbox.readFile('plot.png', { encoding: 'base64' });
   * @throws FileNotFoundError when the path does not exist.
   */
  readFile(path: string, options: FileOptions = {}): Promise<ReadFileResult> {
    const body: ReadFileRequest = options.encoding
      ? { path, encoding: options.encoding }
      : { path };
    const route = sandboxPath(this.id, '/files/read');
    return this.#run(() =>
      this.#client.request<ReadFileResult>('POST', route, { body, signal: options.signal }),
    );
  }

  /**
   * Run a command and receive its events as they happen: `start` (with the pid), `stdout` and
   * `stderr` chunks, then `complete` (with the exit code) or `error`. Breaking out of the loop,
   * or aborting `signal`, kills the command.
   *
   * @example
   * for await (const ev of sandbox.execStream('npm test')) {
   *   if (ev.type === 'stdout') process.stdout.write(ev.data);
   *   if (ev.type === 'complete') console.log('exit', ev.exitCode);
   * }
   */
  async *execStream(
    command: string | string[],
    options: ExecOptions = {},
  ): AsyncGenerator<ExecEvent> {
    const body = execRequest(command, options);
    const abort = new AbortController();
    const signal = options.signal ? AbortSignal.any([options.signal, abort.signal]) : abort.signal;
    const path = sandboxPath(this.id, '/exec/stream');
    const stream = await this.#run(() => this.#client.stream(path, { body, signal }));
    const url = this.#client.url;
    yield* untilDone<ExecEvent>(
      stream,
      abort,
      () => new ConnectionError(url, new Error('the event stream ended before the command did')),
    );
  }

  /**
   * A file's raw bytes as a stream, with no size cap (readFile buffers and caps at 32 MiB).
   *
   * @example
   * const bytes = await sandbox.readFileStream('/workspace/big.tar');
   * await pipeline(Readable.fromWeb(bytes), createWriteStream('big.tar'));
   */
  readFileStream(
    path: string,
    options: { signal?: AbortSignal } = {},
  ): Promise<ReadableStream<Uint8Array>> {
    const route = `${sandboxPath(this.id, '/files/stream/read')}?path=${encodeURIComponent(path)}`;
    return this.#run(() => this.#client.download(route, options.signal));
  }

  /**
   * Create a directory; `recursive` creates missing parents and accepts an existing directory.
   *
   * @example
   * await sandbox.mkdir('/workspace/src/lib', { recursive: true });
   */
  mkdir(
    path: string,
    options: { recursive?: boolean; signal?: AbortSignal } = {},
  ): Promise<PathResult> {
    return this.#file(
      '/files/mkdir',
      { path, recursive: options.recursive === true },
      options.signal,
    );
  }

  /**
   * Delete a file. Refuses directories (`IS_DIRECTORY`): remove those with `exec('rm -r …')`.
   *
   * @example
   * await sandbox.deleteFile('/workspace/tmp.txt');
   */
  deleteFile(path: string, options: { signal?: AbortSignal } = {}): Promise<PathResult> {
    return this.#file('/files/delete', { path }, options.signal);
  }

  /**
   * Rename a file or directory to exactly `newPath`.
   *
   * @example
   * await sandbox.renameFile('draft.md', 'final.md');
   */
  renameFile(
    oldPath: string,
    newPath: string,
    options: { signal?: AbortSignal } = {},
  ): Promise<RenameResult> {
    return this.#file('/files/rename', { oldPath, newPath }, options.signal);
  }

  /**
   * Move a file or directory, `mv`-style: into an existing directory it keeps its name.
   *
   * @example
   * await sandbox.moveFile('/workspace/report.pdf', '/workspace/out/');
   */
  moveFile(
    sourcePath: string,
    destinationPath: string,
    options: { signal?: AbortSignal } = {},
  ): Promise<RenameResult> {
    return this.#file('/files/move', { sourcePath, destinationPath }, options.signal);
  }

  /**
   * List a directory: name, path, type, size, mode and modification time of each entry.
   *
   * @example
   * const { files } = await sandbox.listFiles('/workspace', { recursive: true });
   */
  listFiles(path: string, options: ListFilesOptions = {}): Promise<ListFilesResult> {
    return this.#file('/files/list', listFilesBody(path, options), options.signal);
  }

  /**
   * Whether a path exists in the sandbox.
   *
   * @example
   * if (!(await sandbox.exists('package.json')).exists) await sandbox.exec('npm init -y');
   */
  exists(path: string, options: { signal?: AbortSignal } = {}): Promise<ExistsResult> {
    return this.#file('/files/exists', { path }, options.signal);
  }

  /**
   * Start a background process and return at once; it runs detached until it exits or is killed.
   *
   * @example
   * const web = await sandbox.startProcess('python3 -m http.server 8000', { processId: 'web' });
   * await web.waitForPort(8000);
   */
  startProcess(command: string | string[], options?: StartProcessOptions): Promise<Process> {
    return this.#processes.start(command, options);
  }

  /** Every process the sandbox tracks, running and finished. */
  listProcesses(): Promise<Process[]> {
    return this.#processes.list();
  }

  /** One process by id, or null when the sandbox knows no such process. */
  getProcess(id: string): Promise<Process | null> {
    return this.#processes.get(id);
  }

  /** Kill a process's whole tree (`signal`, default SIGTERM, then SIGKILL after 5 s). */
  async killProcess(id: string, signal?: ProcessSignal): Promise<void> {
    await this.#processes.kill(id, signal);
  }

  /** Kill every running process tree; resolves to how many there were. */
  killAllProcesses(signal?: ProcessSignal): Promise<number> {
    return this.#processes.killAll(signal);
  }

  /** A process's kept output (the last 1 MiB per stream), also after it exited. */
  getProcessLogs(id: string): Promise<ProcessLogs> {
    return this.#processes.logs(id);
  }

  /**
   * A process's output as events: what was logged so far, then live, then `exit` (or `error`).
   * Breaking out of the loop closes the stream and leaves the process running.
   *
   * @example
   * for await (const ev of sandbox.streamProcessLogs('web')) if (ev.type === 'stdout') log(ev.data);
   */
  streamProcessLogs(
    id: string,
    options: { signal?: AbortSignal } = {},
  ): AsyncGenerator<ProcessLogEvent> {
    return this.#processes.streamLogs(id, options);
  }

  /**
   * Watch a directory: `watching`, then create/modify/delete/move events until you stop reading.
   *
   * @example
   * for await (const ev of sandbox.watch('src', { include: ['*.ts'] })) console.log(ev);
   */
  /** Open the PTY of a session (the default one without `sessionId`); see terminal.ts. */
  terminal(options?: TerminalOptions): Promise<Terminal> {
    return this.#run(() => openTerminal(this.#client, this.id, options));
  }

  watch(path: string, options: WatchOptions = {}): AsyncGenerator<WatchEvent> {
    return watchFiles(this.#client, this.id, path, options, (op) => this.#run(op));
  }

  readonly #processes = new Processes({
    url: () => this.#client.url,
    request: (method, suffix, body, o = {}) =>
      this.#run(() => this.#client.request(method, sandboxPath(this.id, suffix), { ...o, body })),
    stream: (suffix, signal) =>
      this.#run(() =>
        this.#client.stream(sandboxPath(this.id, suffix), { body: undefined, signal }),
      ),
  });

  #file<T>(suffix: string, body: unknown, signal: AbortSignal | undefined): Promise<T> {
    const route = sandboxPath(this.id, suffix);
    return this.#run(() => this.#client.request<T>('POST', route, { body, signal }));
  }

  /**
   * Set (a string) or unset (`undefined`) environment variables of sessionless commands and of
   * sessions created later; existing sessions keep theirs (use `session.setEnvVars`).
   *
   * @example
   * await sandbox.setEnvVars({ NODE_ENV: 'test', DEBUG: undefined });
   */
  async setEnvVars(vars: EnvVars): Promise<void> {
    const body = { env: wireEnv(vars) };
    await this.#run(() => this.#client.request('PUT', sandboxPath(this.id, '/env'), { body }));
  }

  /**
   * Start a session: a persistent shell whose cwd, env and functions carry over between calls.
   *
   * @example
   * const s = await sandbox.createSession({ id: 'build', cwd: '/workspace/app' });
   * @throws PaddockError `SESSION_ALREADY_EXISTS` when the id is taken.
   */
  async createSession(options: SessionOptions = {}): Promise<ExecutionSession> {
    const path = sandboxPath(this.id, '/sessions');
    const info = await this.#run(() =>
      this.#client.request<SessionInfo>('POST', path, { body: options }),
    );
    return new ExecutionSession(this.#sessionLink(), info.id);
  }

  /**
   * A handle on an existing session.
   *
   * @example
   * const s = await sandbox.getSession('build');
   * @throws PaddockError `SESSION_NOT_FOUND` when there is no such session.
   */
  async getSession(id: string): Promise<ExecutionSession> {
    const session = new ExecutionSession(this.#sessionLink(), id);
    await session.info();
    return session;
  }

  /**
   * Delete a session: its shell and every process it started are killed.
   *
   * @example
   * await sandbox.deleteSession('build');
   */
  deleteSession(id: string): Promise<SessionDeleted> {
    const path = sandboxPath(this.id, `/sessions/${encodeURIComponent(id)}`);
    return this.#run(() => this.#client.request<SessionDeleted>('DELETE', path));
  }

  /** A code context: its own long-lived interpreter (python, javascript or typescript). */
  createCodeContext(options?: CreateCodeContextOptions): Promise<CodeContext> {
    return code.createCodeContext(this.#codeLink, options);
  }

  /** Run code in a context (see code.ts); a raised error is in `error`, not thrown. */
  runCode(source: string, options?: RunCodeOptions): Promise<ExecutionResult> {
    return code.runCode(this.#codeLink, source, options);
  }

  /** runCode's events as they happen: start, stdout/stderr/result/execution_error, complete. */
  runCodeStream(source: string, options?: RunCodeOptions): AsyncGenerator<CodeEvent> {
    return code.runCodeStream(this.#codeLink, source, options);
  }

  listCodeContexts(): Promise<CodeContext[]> {
    return code.listCodeContexts(this.#codeLink);
  }

  deleteCodeContext(context: CodeContext | string): Promise<void> {
    return code.deleteCodeContext(this.#codeLink, context);
  }

  /** Clone a repository into the sandbox (see git.ts). */
  gitCheckout(repoUrl: string, options?: GitCheckoutOptions): Promise<GitCheckoutResult> {
    return gitCheckout(this.#gitLink, repoUrl, options);
  }

  get #codeLink(): CodeLink {
    return codeLinkOf(this.#client, this.id, (op) => this.#run(op));
  }

  get #gitLink(): GitLink {
    return gitLinkOf(this.#client, this.id, (op) => this.#run(op));
  }

  #sessionLink(): SessionLink {
    return {
      sandboxId: this.id,
      timeoutMs: this.#client.timeoutMs,
      request: (method, path, options) =>
        this.#run(() => this.#client.request(method, path, options)),
    };
  }

  /**
   * The tail of the sandbox's console: a microVM's serial console, a container's init output.
   * For debugging a sandbox that would not start or died.
   *
   * @example
   * console.log(await sandbox.consoleLog());
   */
  async consoleLog(): Promise<string> {
    const path = sandboxPath(this.id, '/console');
    const r = await this.#run(() => this.#client.request<{ console: string }>('GET', path));
    return r.console;
  }

  /**
   * Expose a port as a preview URL (`http://{port}-{id}-{token}.localhost:7071/`), shown once.
   *
   * @example
   * const { url } = await sandbox.exposePort(8080, { name: 'web' });
   */
  exposePort(port: number, options?: ExposePortOptions): Promise<ExposedPort> {
    return this.#previews.expose(port, options);
  }

  /** Revoke a port's preview URL, its links and cookies. @example await sandbox.unexposePort(8080); */
  unexposePort(port: number): Promise<void> {
    return this.#previews.unexpose(port);
  }

  /** The exposed ports, without URLs (tokens are not kept). @example await sandbox.getExposedPorts(); */
  getExposedPorts(): Promise<PreviewInfo[]> {
    return this.#previews.list();
  }

  /** A signed link that works alone until it expires. @example await sandbox.createPreviewLink(8080, 600); */
  createPreviewLink(port: number, expiresInSeconds?: number): Promise<PreviewGrant> {
    return this.#previews.link(port, expiresInSeconds);
  }

  /**
   * A login URL on a private preview's host: opened in a browser it sets a short-lived cookie.
   *
   * @example
   * const login = await sandbox.previewLoginUrl(8080, exposed.url);
   */
  previewLoginUrl(port: number, previewUrl: string, expiresInSeconds?: number): Promise<string> {
    return this.#previews.loginUrl(port, previewUrl, expiresInSeconds);
  }

  /**
   * Replace the sandbox's egress policy (see `setNetworkPolicy` in network.ts).
   *
   * @example
   * await sandbox.setNetworkPolicy({ internet: true, deny: ['example.com'] });
   */
  setNetworkPolicy(policy: NetworkPolicyInput): Promise<NetworkPolicy> {
    return this.#run(() => setNetworkPolicy(this.#client, this.id, policy));
  }

  /**
   * The sandbox's state, backend and limits (creating it if needed).
   *
   * @example
   * const { state, limits } = await sandbox.info();
   */
  info(): Promise<SandboxInfo> {
    return this.#run(() => this.#client.getSandboxInfo(this.id));
  }

  /** Sleep now: its runtime stops, its files stay; the next call wakes it. @example await sandbox.sleep(); */
  sleep(): Promise<SandboxInfo> {
    return this.#run(() => lifecycleCall(this.#client, this.id, 'sleep'));
  }

  /** Wake it now (any call wakes it too). @example await sandbox.wake(); */
  wake(): Promise<SandboxInfo> {
    return this.#run(() => lifecycleCall(this.#client, this.id, 'wake'));
  }

  /** Freeze every process, keeping memory; the next call resumes it. @example await sandbox.pause(); */
  pause(): Promise<SandboxInfo> {
    return this.#run(() => lifecycleCall(this.#client, this.id, 'pause'));
  }

  /** Resume a paused sandbox. @example await sandbox.resume(); */
  resume(): Promise<SandboxInfo> {
    return this.#run(() => lifecycleCall(this.#client, this.id, 'resume'));
  }

  /** Never sleep while true. @example await sandbox.setKeepAlive(true); */
  setKeepAlive(keepAlive: boolean): Promise<SandboxInfo> {
    return this.#run(() => updateSettings(this.#client, this.id, { keepAlive }));
  }

  /** Sleep after this idle time. @example await sandbox.setSleepAfter('5m'); */
  setSleepAfter(sleepAfter: Duration): Promise<SandboxInfo> {
    return this.#run(() => updateSettings(this.#client, this.id, { sleepAfter }));
  }

  /**
   * Destroy the sandbox. Safe to call more than once; a later operation creates it afresh.
   *
   * @example
   * await sandbox.destroy();
   */
  async destroy(): Promise<void> {
    await this.#life.destroy();
  }

  /**
   * Destroys the sandbox at the end of an `await using` block.
   *
   * @example
   * await using sandbox = getSandbox(paddock, 'tmp');
   */
  [Symbol.asyncDispose](): Promise<void> {
    return this.destroy();
  }
}

function toBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}
