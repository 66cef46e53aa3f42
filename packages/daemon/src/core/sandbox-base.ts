/**
 * What every core operation shares: finding a tenant's sandbox (woken when it sleeps), calling
 * its agent, noticing its death, the state machine's transitions and start-up recovery.
 */
import {
  PaddockError,
  acceptsWork,
  isolationOf,
  canTransition,
  type AgentOpName,
  type AgentRequest,
  type BackendName,
  type ExecEvent,
  type ExecRequest,
  type Limits,
  type Quota,
  type SandboxInfo,
  type SandboxState,
} from '@paddock/protocol';
import type { Backend, SandboxSpec } from '../backends/backend.js';
import type { Logger } from '../log.js';
import type { Subnet } from '../net/plan.js';
import type { SandboxRecord, SandboxStore } from '../store/sandboxes.js';
import type { AgentClient } from '../agent-link/client.js';
import type { AgentEndpoint } from '../backends/backend.js';
import type { QuotaStore } from '../store/quotas.js';
import type { EgressControl } from './egress.js';
import { Lifecycle } from './lifecycle.js';
import { endpointOf, specOf } from './records.js';
import type { WarmPool } from './pool.js';
import type { Snapshots } from './snapshots.js';
import { cappedTimeout } from './limits.js';

export interface SandboxServiceDeps {
  store: SandboxStore;
  /** Every backend this host runs; a sandbox is served by the one it was created on. */
  backends: ReadonlyMap<BackendName, Backend>;
  defaultBackend: BackendName;
  connect: (ep: AgentEndpoint) => AgentClient;
  /** Opens a streamed command on an agent (agent-link/stream.ts; fakes in unit tests). */
  stream: (ep: AgentEndpoint, req: ExecRequest, signal: AbortSignal) => AsyncIterable<ExecEvent>;
  defaults: Limits;
  /** Every tenant's quota unless overridden (quotas). */
  quota: Quota;
  quotas?: QuotaStore;
  subnet: Subnet;
  /** Applies sandboxes' egress policies to the host firewall (host/egress.ts; fakes in tests). */
  egress: EgressControl;
  log: Logger;
  /** How long a new sandbox's agent has to answer. */
  readyTimeoutMs: number;
  /** Output kept per stream of a command whose call does not set `outputLimit`. */
  outputLimitBytes?: number;
  /** Booted, unassigned sandboxes that `create` claims when one fits (core/pool.ts). */
  pool?: WarmPool;
  /** Snapshot templates a create restores from where its backend can (core/snapshots.ts). */
  snapshots?: Snapshots;
}

/** How long a sandbox going to sleep may take to flush its writes. */
const FLUSH_TIMEOUT_MS = 30_000;

export abstract class SandboxBase {
  readonly lifecycle: Lifecycle;

  constructor(protected readonly deps: SandboxServiceDeps) {
    this.lifecycle = new Lifecycle({
      store: deps.store,
      backendOf: (rec) => this.backendOf(rec),
      specOf: (rec) => this.specOf(rec),
      connect: deps.connect,
      readyTimeoutMs: deps.readyTimeoutMs,
      destroy: (tenant, id) => this.destroy(tenant, id),
      flush: async (rec) => {
        const agent = this.deps.connect(this.endpointOf(rec));
        await agent.call('exec', { command: ['sync'], timeout: FLUSH_TIMEOUT_MS });
      },
      log: deps.log,
    });
  }

  protected backendNamed(name: BackendName): Backend {
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
  protected backendOf(rec: SandboxRecord): Backend {
    return this.backendNamed(rec.backend);
  }

  /**
   * Run fn on a sandbox that accepts work, waking it when it sleeps; the call counts as
   * activity (the sandbox does not fall asleep under it) until fn settles, or, with `hold`,
   * until the returned release is called (streams).
   */
  protected async work<T>(
    tenant: string,
    id: string,
    fn: (rec: SandboxRecord, release: () => void) => Promise<T>,
    hold = false,
  ): Promise<T> {
    const release = this.lifecycle.enter(tenant, id);
    try {
      const rec = await this.runnable(tenant, id);
      const out = await fn(rec, release);
      if (!hold) release();
      return out;
    } catch (err) {
      release();
      throw err;
    }
  }

  /** What the agent runs: the sandbox env under the call's, the daemon's output cap by default. */
  protected commandOf(rec: SandboxRecord, req: ExecRequest): ExecRequest {
    const out: ExecRequest = {
      ...req,
      env: { ...rec.env, ...req.env },
      timeout: cappedTimeout(req.timeout, rec.limits),
    };
    const limit = req.outputLimit ?? this.deps.outputLimitBytes;
    if (limit !== undefined) out.outputLimit = limit;
    return out;
  }

  /**
   * Resolves once the agent has accepted a stream (errors before that reject as usual); an
   * unreachable agent mid-stream is checked for a dead sandbox, as for any agent call.
   */
  protected async relay<E extends { type: string; code?: string }>(
    rec: SandboxRecord,
    events: AsyncIterable<E>,
    release: () => void,
  ): Promise<AsyncIterable<E>> {
    const it = events[Symbol.asyncIterator]();
    const first = await this.withAgent(rec, () => it.next());
    const onDeath = () => this.noteIfDead(rec);
    return (async function* () {
      try {
        if (first.done) return;
        yield first.value;
        for (let r = await it.next(); !r.done; r = await it.next()) {
          if (r.value.type === 'error' && r.value.code === 'SANDBOX_UNAVAILABLE') await onDeath();
          yield r.value;
        }
      } finally {
        release();
      }
    })();
  }

  /** A session command's timeout is capped like exec's. */
  protected capped<K extends AgentOpName>(op: K, req: AgentRequest<K>, rec: SandboxRecord) {
    if (op !== 'sessionExec') return req;
    const r = req as AgentRequest<'sessionExec'>;
    return { ...r, timeout: cappedTimeout(r.timeout, rec.limits) } as AgentRequest<K>;
  }

  /**
   * Run an agent call; when the agent is unreachable, ask the backend whether the sandbox died
   * and record it, so the caller and `ls` see why.
   */
  protected async withAgent<T>(rec: SandboxRecord, fn: (a: AgentClient) => Promise<T>): Promise<T> {
    try {
      return await fn(this.deps.connect(this.endpointOf(rec)));
    } catch (err) {
      if (err instanceof PaddockError && err.code === 'SANDBOX_UNAVAILABLE') {
        await this.noteIfDead(rec);
      }
      throw err;
    }
  }

  protected async noteIfDead(rec: SandboxRecord): Promise<void> {
    const live = await this.backendOf(rec).inspect(this.specOf(rec));
    if (!live.alive && canTransition(rec.state, 'failed')) {
      this.deps.store.setState(rec.tenant, rec.id, 'failed', live.reason);
      this.deps.log.warn('sandbox died', { tenant: rec.tenant, id: rec.id, reason: live.reason });
    }
  }

  /**
   * At start-up: sandboxes whose runtime is gone are marked failed with the reason; sandboxes
   * caught half-way through create or destroy are cleaned up.
   */
  async recover(): Promise<void> {
    for (const rec of this.deps.store.all()) {
      try {
        await this.recoverOne(rec);
      } catch (err) {
        this.deps.store.setState(
          rec.tenant,
          rec.id,
          'failed',
          `not recovered: ${String(err)}`.slice(0, 500),
        );
      }
    }
  }

  protected async recoverOne(rec: SandboxRecord): Promise<void> {
    const spec = this.specOf(rec);
    const backend = this.backendOf(rec);
    if (rec.state === 'creating' || rec.state === 'stopping') {
      await backend.destroy(spec);
      this.deps.store.delete(rec.tenant, rec.id);
      return;
    }
    if (rec.state !== 'running' && rec.state !== 'sleeping') return;
    // The firewall was just re-installed without sandboxes' chains: put this one's back.
    await this.deps.egress.apply(spec.network.sandboxIp, rec.network);
    if (rec.state === 'sleeping') return this.lifecycle.recoverSleeping(rec);
    const live = await backend.inspect(spec);
    if (!live.alive) this.deps.store.setState(rec.tenant, rec.id, 'failed', live.reason);
  }

  protected find(tenant: string, id: string): SandboxRecord {
    const rec = this.withDefaults(this.deps.store.get(tenant, id));
    if (!rec) throw new PaddockError('SANDBOX_NOT_FOUND', `Sandbox '${id}' does not exist`);
    return rec;
  }

  /** Records made before a limit existed get its default. */
  protected withDefaults(rec: SandboxRecord | undefined): SandboxRecord | undefined {
    return rec && { ...rec, limits: { ...this.deps.defaults, ...rec.limits } };
  }

  /** A sandbox whose stored settings (env) may change: awake or asleep. */
  protected configurable(tenant: string, id: string): SandboxRecord {
    const rec = this.find(tenant, id);
    if (rec.state !== 'running' && rec.state !== 'sleeping') {
      throw new PaddockError('INVALID_STATE', `Sandbox '${id}' is ${rec.state}`);
    }
    return rec;
  }

  protected async runnable(tenant: string, id: string): Promise<SandboxRecord> {
    this.find(tenant, id);
    const rec = this.withDefaults(await this.lifecycle.awake(tenant, id));
    if (!rec) throw new PaddockError('SANDBOX_NOT_FOUND', `Sandbox '${id}' does not exist`);
    if (!acceptsWork(rec.state)) {
      const why = rec.stateReason ? ` (${rec.stateReason})` : '';
      throw new PaddockError('INVALID_STATE', `Sandbox '${id}' is ${rec.state}${why}`);
    }
    return rec;
  }

  protected transition(rec: SandboxRecord, to: SandboxState): void {
    if (!canTransition(rec.state, to)) {
      throw new PaddockError(
        'INVALID_STATE',
        `Sandbox '${rec.id}' cannot go from ${rec.state} to ${to}`,
      );
    }
    this.deps.store.setState(rec.tenant, rec.id, to);
    rec.state = to;
  }

  protected specOf(rec: SandboxRecord): SandboxSpec {
    return specOf(this.deps.subnet, rec);
  }

  protected endpointOf(rec: SandboxRecord): AgentEndpoint {
    return endpointOf(this.deps.subnet, rec);
  }

  protected info(rec: SandboxRecord): SandboxInfo {
    const info: SandboxInfo = {
      id: rec.id,
      state: rec.state,
      backend: rec.backend,
      isolation: isolationOf(rec.backend),
      createdAt: rec.createdAt,
      limits: rec.limits,
      network: rec.network,
      sleepMode: rec.sleepMode,
      keepAlive: rec.keepAlive,
    };
    if (rec.stateReason) info.stateReason = rec.stateReason;
    if (rec.sleepAfterMs !== undefined) info.sleepAfterMs = rec.sleepAfterMs;
    if (rec.expiresAt !== undefined) info.expiresAt = new Date(rec.expiresAt).toISOString();
    return info;
  }

  /** Destroy a sandbox (the ttl timer calls it). */
  abstract destroy(tenant: string, id: string): Promise<void>;
}
