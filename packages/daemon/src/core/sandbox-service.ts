/**
 * The core: decides what happens to sandboxes. It owns the lifecycle state machine, makes them
 * (sandbox-create.ts), drives the backend and talks to agents. No HTTP here.
 */
import { randomBytes } from 'node:crypto';
import {
  PaddockError,
  type AgentOpName,
  type AgentReply,
  type AgentRequest,
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
  type SandboxInfo,
  type UpdateSandboxRequest,
  durationMs,
  type WatchEvent,
  type WatchRequest,
  type CodeContext,
  type CodeEvent,
  type CreateCodeContextRequest,
  type RunCodeRequest,
  type SandboxStats,
  type NetworkPolicyInput,
  normalizePolicy,
} from '@paddock/protocol';
import type { SandboxRecord } from '../store/sandboxes.js';
import {
  CODE_RUN_STREAM,
  PROCESS_LOG_STREAM,
  WATCH_STREAM,
  agentEventStream,
} from '../agent-link/stream.js';
import type { Readable } from 'node:stream';
import { agentReadStream, agentWriteStream } from '../agent-link/raw.js';
import { agentOpenPty, type AgentPty } from '../agent-link/pty.js';
import { checkProcessRoom, checkSessionRoom } from './limits.js';
import type { SandboxServiceDeps } from './sandbox-base.js';
import { SandboxCreate } from './sandbox-create.js';

export type { SandboxServiceDeps };

/** As many variables as one request's env may carry (protocol envSchema). */
const MAX_SANDBOX_ENV = 256;

export class SandboxService extends SandboxCreate {
  /** CPU, memory, tasks and disk of a sandbox, from its cgroup and disk file. */
  async stats(tenant: string, id: string): Promise<SandboxStats> {
    const rec = this.find(tenant, id);
    return { id, ...(await this.backendOf(rec).usage(this.specOf(rec))) };
  }

  get(tenant: string, id: string): SandboxInfo {
    return this.info(this.find(tenant, id));
  }

  list(tenant: string): SandboxInfo[] {
    return this.deps.store.list(tenant).map((r) => this.info(r));
  }

  /** Destroy, after any sleep or wake in progress (a sleeping sandbox is destroyed as it is). */
  destroy(tenant: string, id: string): Promise<void> {
    this.find(tenant, id);
    return this.lifecycle.exclusive(tenant, id, () => this.destroyNow(tenant, id));
  }

  private async destroyNow(tenant: string, id: string): Promise<void> {
    const rec = this.find(tenant, id);
    if (rec.state === 'stopping') {
      throw new PaddockError('INVALID_STATE', `Sandbox '${id}' is already being destroyed`);
    }
    this.transition(rec, 'stopping');
    try {
      const spec = this.specOf(rec);
      await this.backendOf(rec).destroy(spec);
      await this.deps.egress.remove(spec.network.sandboxIp);
    } catch (err) {
      this.deps.store.setState(tenant, id, 'failed', 'destroy did not finish; call destroy again');
      this.deps.log.error('sandbox destroy failed', { tenant, id, error: String(err) });
      throw new PaddockError('BACKEND_ERROR', `Sandbox '${id}' could not be fully destroyed`);
    }
    this.deps.store.delete(tenant, id);
    this.deps.log.info('sandbox destroyed', { tenant, id });
  }

  exec(tenant: string, id: string, req: ExecRequest): Promise<ExecResult> {
    return this.work(tenant, id, (rec) =>
      this.withAgent(rec, (agent) => agent.call('exec', this.commandOf(rec, req))),
    );
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
    return this.stream(tenant, id, signal, (rec) =>
      this.deps.stream(this.endpointOf(rec), this.commandOf(rec, req), signal),
    );
  }

  /** Start a background process: the sandbox env goes under the call's, as for exec. */
  async startProcess(tenant: string, id: string, req: StartProcessRequest): Promise<ProcessInfo> {
    return this.work(tenant, id, (rec) =>
      this.lifecycle.exclusiveWork(tenant, id, 'processes', () =>
        this.withAgent(rec, async (agent) => {
          await checkProcessRoom(agent, rec.limits);
          // A session's env already holds the sandbox's (merged when the session was created).
          const env = req.sessionId === undefined ? { ...rec.env, ...req.env } : (req.env ?? {});
          return agent.call('startProcess', { ...req, env });
        }),
      ),
    );
  }

  /** A process's logs, replayed then live, ending with `exit` or `error` (relayed as exec's). */
  async processLogs(
    tenant: string,
    id: string,
    processId: string,
    signal: AbortSignal,
  ): Promise<AsyncIterable<ProcessLogEvent>> {
    return this.stream(tenant, id, signal, (rec) =>
      agentEventStream(this.endpointOf(rec), PROCESS_LOG_STREAM, { processId }, signal),
    );
  }

  /** A directory's changes; resolves once the watch is established (a bad path rejects). */
  async watch(
    tenant: string,
    id: string,
    req: WatchRequest,
    signal: AbortSignal,
  ): Promise<AsyncIterable<WatchEvent>> {
    return this.stream(tenant, id, signal, (rec) =>
      agentEventStream(this.endpointOf(rec), WATCH_STREAM, req, signal),
    );
  }

  /**
   * An agent event stream of a sandbox that stays awake (counted as activity) until the stream
   * ends or its reader leaves; resolves once the agent accepted it.
   */
  private stream<E extends { type: string; code?: string }>(
    tenant: string,
    id: string,
    signal: AbortSignal,
    open: (rec: SandboxRecord) => AsyncIterable<E>,
  ): Promise<AsyncIterable<E>> {
    return this.work(
      tenant,
      id,
      (rec, release) => this.relay(rec, open(rec), onAbort(signal, release)),
      true,
    );
  }

  /** A code context: the sandbox's env under the context's own, as for sessions. */
  async createCodeContext(
    tenant: string,
    id: string,
    req: CreateCodeContextRequest,
  ): Promise<CodeContext> {
    return this.work(tenant, id, (rec) => {
      const body = { ...req, envVars: { ...rec.env, ...req.envVars } };
      return this.withAgent(rec, (agent) => agent.call('createCodeContext', body));
    });
  }

  /** One run of code; resolves once the agent accepted it (an unknown context rejects). */
  async runCode(
    tenant: string,
    id: string,
    req: RunCodeRequest,
    signal: AbortSignal,
  ): Promise<AsyncIterable<CodeEvent>> {
    return this.stream(tenant, id, signal, (rec) =>
      agentEventStream(this.endpointOf(rec), CODE_RUN_STREAM, req, signal),
    );
  }

  /** Stream bytes into a file in the sandbox (no size cap but the disk quota). */
  async writeFileStream(
    tenant: string,
    id: string,
    path: string,
    body: Readable,
    signal: AbortSignal,
  ): Promise<WriteFileResult> {
    return this.work(tenant, id, (rec) =>
      this.withAgent(rec, () => agentWriteStream(this.endpointOf(rec), path, body, signal)),
    );
  }

  /** Stream a file's bytes out of the sandbox. */
  async readFileStream(
    tenant: string,
    id: string,
    path: string,
    signal: AbortSignal,
  ): Promise<Readable> {
    return this.work(tenant, id, (rec) =>
      this.withAgent(rec, () => agentReadStream(this.endpointOf(rec), path, signal)),
    );
  }

  /**
   * Attach to the terminal of a session (the default when none) at the sandbox's agent; an
   * attached terminal is activity until its socket closes.
   */
  async openPty(tenant: string, id: string, attach: PtyAttach): Promise<AgentPty> {
    return this.work(
      tenant,
      id,
      async (rec, release) => {
        const pty = await this.withAgent(rec, () => agentOpenPty(this.endpointOf(rec), attach));
        if (pty.socket.destroyed) release();
        else pty.socket.once('close', release);
        return pty;
      },
      true,
    );
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
    return this.work(tenant, id, (rec) =>
      this.withAgent(rec, (agent) => agent.call(op, this.capped(op, req, rec))),
    );
  }

  /**
   * Sandbox-level env (null unsets): stored with the sandbox, so it survives a daemon restart,
   * and merged under sessionless calls and new sessions. Returns the names now set; values are
   * never logged.
   */
  setEnvVars(tenant: string, id: string, update: Record<string, string | null>): string[] {
    const env = { ...this.configurable(tenant, id).env };
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

  /** Replace a sandbox's egress policy; the firewall changes before the store does. */
  setNetworkPolicy(tenant: string, id: string, input: NetworkPolicyInput): Promise<SandboxInfo> {
    const rec = this.configurable(tenant, id);
    const network = normalizePolicy(input);
    return this.lifecycle.exclusive(tenant, id, async () => {
      await this.deps.egress.apply(this.specOf(rec).network.sandboxIp, network);
      this.deps.store.setNetwork(tenant, id, network);
      return this.info({ ...rec, network });
    });
  }

  /** A new session: the sandbox's env first, the session's own over it; an id if none given. */
  async createSession(tenant: string, id: string, req: CreateSessionRequest): Promise<SessionInfo> {
    const sessionId = req.id ?? `session-${randomBytes(4).toString('hex')}`;
    return this.work(tenant, id, (rec) =>
      this.lifecycle.exclusiveWork(tenant, id, 'sessions', () =>
        this.withAgent(rec, async (agent) => {
          await checkSessionRoom(agent, rec.limits);
          const body = { id: sessionId, env: { ...rec.env, ...req.env } };
          const full = req.cwd === undefined ? body : { ...body, cwd: req.cwd };
          return agent.call('createSession', full);
        }),
      ),
    );
  }

  /** Sleep now (explicit), by stopping its runtime; its files stay on its disk. */
  async sleep(tenant: string, id: string): Promise<SandboxInfo> {
    this.find(tenant, id);
    await this.lifecycle.sleep(tenant, id, 'stop');
    return this.get(tenant, id);
  }

  /** Pause now: every process frozen, memory kept; the next call resumes it. */
  async pause(tenant: string, id: string): Promise<SandboxInfo> {
    this.find(tenant, id);
    await this.lifecycle.sleep(tenant, id, 'pause');
    return this.get(tenant, id);
  }

  /** Wake (or resume) a sleeping sandbox; a running one is left as it is. */
  async wake(tenant: string, id: string): Promise<SandboxInfo> {
    this.find(tenant, id);
    await this.lifecycle.wake(tenant, id);
    return this.get(tenant, id);
  }

  /** Change keepAlive or sleepAfter of a sandbox; the idle timer restarts now. */
  update(tenant: string, id: string, req: UpdateSandboxRequest): SandboxInfo {
    const rec = this.find(tenant, id);
    this.deps.store.setLifecycle(tenant, id, {
      keepAlive: req.keepAlive ?? rec.keepAlive,
      sleepAfterMs: req.sleepAfter === undefined ? rec.sleepAfterMs : durationMs(req.sleepAfter),
    });
    this.deps.store.touch(tenant, id, Date.now());
    return this.get(tenant, id);
  }
}

/** Also release when the client goes away (a stream it never read would never finish). */
function onAbort(signal: AbortSignal, release: () => void): () => void {
  if (signal.aborted) release();
  else signal.addEventListener('abort', release, { once: true });
  return release;
}
