/**
 * The core: decides what happens to sandboxes. It owns the lifecycle state machine, reserves ids
 * and network slots in the store, drives the backend and talks to agents. No HTTP here.
 */
import { randomBytes } from 'node:crypto';
import {
  PaddockError,
  acceptsWork,
  isolationOf,
  canTransition,
  type AgentOpName,
  type AgentReply,
  type AgentRequest,
  type BackendName,
  type CreateSandboxRequest,
  type CreateSessionRequest,
  type SessionInfo,
  type ExecEvent,
  type WriteFileResult,
  type ExecRequest,
  type ExecResult,
  type ProcessInfo,
  type ProcessLogEvent,
  type PtyAttach,
  type StartProcessRequest,
  type Limits,
  type SandboxInfo,
  type SandboxStats,
  type SandboxState,
  type WatchEvent,
  type WatchRequest,
} from '@paddock/protocol';
import type { Backend, SandboxSpec } from '../backends/backend.js';
import type { Logger } from '../log.js';
import type { Subnet } from '../net/plan.js';
import { endpointOf, specOf } from './records.js';
import type { SandboxRecord, SandboxStore } from '../store/sandboxes.js';
import type { AgentClient } from '../agent-link/client.js';
import type { AgentEndpoint } from '../backends/backend.js';
import type { WarmPool } from './pool.js';
import { createCold } from './cold-create.js';
import { recoverSandboxes } from './recovery.js';
import { PROCESS_LOG_STREAM, WATCH_STREAM, agentEventStream } from '../agent-link/stream.js';
import type { Readable } from 'node:stream';
import { agentReadStream, agentWriteStream } from '../agent-link/raw.js';
import { agentOpenPty, type AgentPty } from '../agent-link/pty.js';

export interface SandboxServiceDeps {
  store: SandboxStore;
  /** Every backend this host runs; a sandbox is served by the one it was created on. */
  backends: ReadonlyMap<BackendName, Backend>;
  defaultBackend: BackendName;
  connect: (ep: AgentEndpoint) => AgentClient;
  /** Opens a streamed command on an agent (agent-link/stream.ts; fakes in unit tests). */
  stream: (ep: AgentEndpoint, req: ExecRequest, signal: AbortSignal) => AsyncIterable<ExecEvent>;
  defaults: Limits;
  subnet: Subnet;
  log: Logger;
  /** How long a new sandbox's agent has to answer. */
  readyTimeoutMs: number;
  /** Output kept per stream of a command whose call does not set `outputLimit`. */
  outputLimitBytes?: number;
  /** Booted, unassigned sandboxes that `create` claims when one fits (core/pool.ts). */
  pool?: WarmPool;
}

/** As many variables as one request's env may carry (protocol envSchema). */
const MAX_SANDBOX_ENV = 256;

export class SandboxService {
  constructor(private readonly deps: SandboxServiceDeps) {}

  /** From the warm pool when a member fits, else booted now (core/cold-create.ts). */
  async create(tenant: string, req: CreateSandboxRequest): Promise<SandboxInfo> {
    const backend = this.backendNamed(req.backend ?? this.deps.defaultBackend);
    const id = req.id ?? `sb-${randomBytes(5).toString('hex')}`;
    const limits = { ...this.deps.defaults, ...req.limits };
    const claim = { tenant, id, backend: backend.name, limits, env: req.env ?? {} };
    const started = Date.now();
    const pooled = await this.deps.pool?.claim(claim);
    const rec = pooled ?? (await createCold(this.deps, backend, claim));
    const source = pooled ? 'pool' : 'cold';
    const ms = Date.now() - started;
    this.deps.log.info('sandbox created', {
      tenant,
      id,
      name: rec.name,
      backend: backend.name,
      source,
      ms,
    });
    return this.info(rec);
  }

  private backendNamed(name: BackendName): Backend {
    const backend = this.deps.backends.get(name);
    if (!backend) {
      const offered = [...this.deps.backends.keys()].join(', ');
      throw new PaddockError(
        'BACKEND_UNAVAILABLE',
        `Backend '${name}' does not run on this host (it offers ${offered})`,
      );
    }
    return backend;
  }

  /** The backend a sandbox was created on (the store only holds names this daemon offered). */
  private backendOf(rec: SandboxRecord): Backend {
    return this.backendNamed(rec.backend);
  }

  get(tenant: string, id: string): SandboxInfo {
    return this.info(this.find(tenant, id));
  }

  list(tenant: string): SandboxInfo[] {
    return this.deps.store.list(tenant).map((r) => this.info(r));
  }

  async destroy(tenant: string, id: string): Promise<void> {
    const rec = this.find(tenant, id);
    if (rec.state === 'stopping') {
      throw new PaddockError('INVALID_STATE', `Sandbox '${id}' is already being destroyed`);
    }
    this.transition(rec, 'stopping');
    try {
      await this.backendOf(rec).destroy(this.specOf(rec));
    } catch (err) {
      this.deps.store.setState(tenant, id, 'failed', 'destroy did not finish; call destroy again');
      this.deps.log.error('sandbox destroy failed', { tenant, id, error: String(err) });
      throw new PaddockError('BACKEND_ERROR', `Sandbox '${id}' could not be fully destroyed`);
    }
    this.deps.store.delete(tenant, id);
    this.deps.log.info('sandbox destroyed', { tenant, id });
  }

  async exec(tenant: string, id: string, req: ExecRequest): Promise<ExecResult> {
    const rec = this.runnable(tenant, id);
    return this.withAgent(rec, (agent) => agent.call('exec', this.commandOf(rec, req)));
  }

  /** What the agent runs: the sandbox env under the call's, the daemon's output cap by default. */
  private commandOf(rec: SandboxRecord, req: ExecRequest): ExecRequest {
    const out: ExecRequest = { ...req, env: { ...rec.env, ...req.env } };
    const limit = req.outputLimit ?? this.deps.outputLimitBytes;
    if (limit !== undefined) out.outputLimit = limit;
    return out;
  }

  /**
   * A streamed command. Resolves once the agent has accepted it (errors before that, such as a
   * bad cwd, reject as usual); the events end with `complete` or `error`.
   */
  async execStream(
    tenant: string,
    id: string,
    req: ExecRequest,
    signal: AbortSignal,
  ): Promise<AsyncIterable<ExecEvent>> {
    const rec = this.runnable(tenant, id);
    return this.relay(
      rec,
      this.deps.stream(this.endpointOf(rec), this.commandOf(rec, req), signal),
    );
  }

  /** Start a background process: the sandbox env goes under the call's, as for exec. */
  async startProcess(tenant: string, id: string, req: StartProcessRequest): Promise<ProcessInfo> {
    const rec = this.runnable(tenant, id);
    // A session's env already holds the sandbox's (merged when the session was created).
    const env = req.sessionId === undefined ? { ...rec.env, ...req.env } : (req.env ?? {});
    return this.withAgent(rec, (agent) => agent.call('startProcess', { ...req, env }));
  }

  /** A process's logs, replayed then live, ending with `exit` or `error` (relayed as exec's). */
  async processLogs(
    tenant: string,
    id: string,
    processId: string,
    signal: AbortSignal,
  ): Promise<AsyncIterable<ProcessLogEvent>> {
    const rec = this.runnable(tenant, id);
    const ep = this.endpointOf(rec);
    return this.relay(rec, agentEventStream(ep, PROCESS_LOG_STREAM, { processId }, signal));
  }

  /** A directory's changes; resolves once the watch is established (a bad path rejects). */
  async watch(
    tenant: string,
    id: string,
    req: WatchRequest,
    signal: AbortSignal,
  ): Promise<AsyncIterable<WatchEvent>> {
    const rec = this.runnable(tenant, id);
    return this.relay(rec, agentEventStream(this.endpointOf(rec), WATCH_STREAM, req, signal));
  }

  /**
   * Resolves once the agent has accepted a stream (errors before that reject as usual); an
   * unreachable agent mid-stream is checked for a dead sandbox, as for any agent call.
   */
  private async relay<E extends { type: string; code?: string }>(
    rec: SandboxRecord,
    events: AsyncIterable<E>,
  ): Promise<AsyncIterable<E>> {
    const it = events[Symbol.asyncIterator]();
    const first = await this.withAgent(rec, () => it.next());
    const onDeath = () => this.noteIfDead(rec);
    return (async function* () {
      if (first.done) return;
      yield first.value;
      for (let r = await it.next(); !r.done; r = await it.next()) {
        if (r.value.type === 'error' && r.value.code === 'SANDBOX_UNAVAILABLE') await onDeath();
        yield r.value;
      }
    })();
  }

  /** Stream bytes into a file in the sandbox (no size cap but the disk quota). */
  async writeFileStream(
    tenant: string,
    id: string,
    path: string,
    body: Readable,
    signal: AbortSignal,
  ): Promise<WriteFileResult> {
    const rec = this.runnable(tenant, id);
    return this.withAgent(rec, () => agentWriteStream(this.endpointOf(rec), path, body, signal));
  }

  /** Stream a file's bytes out of the sandbox. */
  async readFileStream(
    tenant: string,
    id: string,
    path: string,
    signal: AbortSignal,
  ): Promise<Readable> {
    const rec = this.runnable(tenant, id);
    return this.withAgent(rec, () => agentReadStream(this.endpointOf(rec), path, signal));
  }

  /** Attach to the terminal of a session (the default when none) at the sandbox's agent. */
  async openPty(tenant: string, id: string, attach: PtyAttach): Promise<AgentPty> {
    const rec = this.runnable(tenant, id);
    return this.withAgent(rec, () => agentOpenPty(this.endpointOf(rec), attach));
  }

  /** The tail of the sandbox's console, for debugging a boot; also for failed sandboxes. */
  async consoleLog(tenant: string, id: string): Promise<string> {
    const rec = this.find(tenant, id);
    const backend = this.backendOf(rec);
    return backend.readConsole ? backend.readConsole(this.specOf(rec)) : '';
  }

  /** An agent operation (files, processes, sessions), passed to the sandbox's agent as validated. */
  async agentOp<K extends Exclude<AgentOpName, 'exec' | 'claim'>>(
    tenant: string,
    id: string,
    op: K,
    req: AgentRequest<K>,
  ): Promise<AgentReply<K>> {
    return this.withAgent(this.runnable(tenant, id), (agent) => agent.call(op, req));
  }

  /**
   * Sandbox-level env (null unsets): stored with the sandbox, so it survives a daemon restart,
   * and merged under sessionless calls and new sessions. Returns the names now set; values are
   * never logged.
   */
  setEnvVars(tenant: string, id: string, update: Record<string, string | null>): string[] {
    const env = { ...this.runnable(tenant, id).env };
    for (const [name, value] of Object.entries(update)) {
      if (value === null) delete env[name];
      else env[name] = value;
    }
    const names = Object.keys(env);
    if (names.length > MAX_SANDBOX_ENV) {
      throw new PaddockError(
        'VALIDATION_FAILED',
        `body.env would leave ${names.length} variables set; at most ${MAX_SANDBOX_ENV} are allowed`,
      );
    }
    this.deps.store.setEnv(tenant, id, env);
    return names;
  }

  /** A new session: the sandbox's env first, the session's own over it; an id if none given. */
  async createSession(tenant: string, id: string, req: CreateSessionRequest): Promise<SessionInfo> {
    const rec = this.runnable(tenant, id);
    const sessionId = req.id ?? `session-${randomBytes(4).toString('hex')}`;
    const body = { id: sessionId, env: { ...rec.env, ...req.env } };
    const full = req.cwd === undefined ? body : { ...body, cwd: req.cwd };
    return this.withAgent(rec, (agent) => agent.call('createSession', full));
  }

  /**
   * Run an agent call; when the agent is unreachable, ask the backend whether the sandbox died
   * and record it, so the caller and `ls` see why.
   */
  private async withAgent<T>(rec: SandboxRecord, fn: (a: AgentClient) => Promise<T>): Promise<T> {
    try {
      return await fn(this.deps.connect(this.endpointOf(rec)));
    } catch (err) {
      if (err instanceof PaddockError && err.code === 'SANDBOX_UNAVAILABLE') {
        await this.noteIfDead(rec);
      }
      throw err;
    }
  }

  private async noteIfDead(rec: SandboxRecord): Promise<void> {
    const live = await this.backendOf(rec).inspect(this.specOf(rec));
    if (!live.alive && canTransition(rec.state, 'failed')) {
      this.deps.store.setState(rec.tenant, rec.id, 'failed', live.reason);
      this.deps.log.warn('sandbox died', { tenant: rec.tenant, id: rec.id, reason: live.reason });
    }
  }

  /**
   * At start-up: sandboxes whose runtime is gone are marked failed with the reason; sandboxes
   * caught half-way through create or destroy are cleaned up (core/recovery.ts).
   */
  recover(): Promise<void> {
    return recoverSandboxes(this.deps);
  }

  /** CPU, memory, tasks and disk of a sandbox, from its cgroup and disk file. */
  async stats(tenant: string, id: string): Promise<SandboxStats> {
    const rec = this.find(tenant, id);
    return { id, ...(await this.backendOf(rec).usage(this.specOf(rec))) };
  }

  private find(tenant: string, id: string): SandboxRecord {
    const rec = this.deps.store.get(tenant, id);
    if (!rec) throw new PaddockError('SANDBOX_NOT_FOUND', `Sandbox '${id}' does not exist`);
    return rec;
  }

  private runnable(tenant: string, id: string): SandboxRecord {
    const rec = this.find(tenant, id);
    if (!acceptsWork(rec.state)) {
      const why = rec.stateReason ? ` (${rec.stateReason})` : '';
      throw new PaddockError('INVALID_STATE', `Sandbox '${id}' is ${rec.state}${why}`);
    }
    return rec;
  }

  private transition(rec: SandboxRecord, to: SandboxState): void {
    if (!canTransition(rec.state, to)) {
      throw new PaddockError(
        'INVALID_STATE',
        `Sandbox '${rec.id}' cannot go from ${rec.state} to ${to}`,
      );
    }
    this.deps.store.setState(rec.tenant, rec.id, to);
    rec.state = to;
  }

  private specOf(rec: SandboxRecord): SandboxSpec {
    return specOf(this.deps.subnet, rec);
  }

  private endpointOf(rec: SandboxRecord): AgentEndpoint {
    return endpointOf(this.deps.subnet, rec);
  }

  private info(rec: SandboxRecord): SandboxInfo {
    const info: SandboxInfo = {
      id: rec.id,
      state: rec.state,
      backend: rec.backend,
      isolation: isolationOf(rec.backend),
      createdAt: rec.createdAt,
      limits: rec.limits,
    };
    if (rec.stateReason) info.stateReason = rec.stateReason;
    return info;
  }
}
