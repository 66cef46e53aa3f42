/**
 * The warm pool: per backend and size class (limits), a configured number of booted, idle
 * sandboxes that belong to no tenant. `create` claims one that fits (same backend, same limits):
 * in one store transaction it gets the caller's tenant, id, env and a new agent token; the
 * backend applies the id as host name; the agent swaps its token (authorised by the pool's, which
 * it refuses from then on). Members never ran user code, so a claimed sandbox carries nothing
 * from before. The pool refills in the background: bounded concurrency, exponential backoff on
 * failures, never above its size nor beyond the free network slots.
 */
import type { BackendName, Limits } from '@paddock/protocol';
import type { Backend } from '../backends/backend.js';
import { slotCount } from '../net/plan.js';
import type { Admit, SandboxRecord } from '../store/sandboxes.js';
import { waitForAgent } from './readiness.js';
import { endpointOf, specOf } from './records.js';
import {
  POOL_TENANT,
  discardUnassigned,
  handOver,
  unassignedRecord,
  type UnassignedDeps,
} from './unassigned.js';

export { POOL_TENANT };

export interface PoolClass {
  backend: BackendName;
  size: number;
  limits: Limits;
}

export interface PoolDeps extends UnassignedDeps {
  classes: readonly PoolClass[];
  /** Members booting at once, over all classes (default 2: this is a small machine). */
  concurrency?: number;
  /** First and longest wait after a failed boot (default 1 s and 60 s). */
  backoffMs?: { min: number; max: number };
}

/** The record a create asked for (core/new-record.ts) and its quota admission. */
export interface ClaimRequest {
  base: Omit<SandboxRecord, 'slot'>;
  admit: Admit;
}

export interface PoolStatus {
  backend: BackendName;
  size: number;
  limits: Limits;
  ready: number;
  booting: number;
}

interface ClassState {
  spec: PoolClass;
  ready: SandboxRecord[];
  booting: number;
  failures: number;
  retryAt: number;
}

/** Equal limits, field by field: a request fits a class only exactly. */
export function sameLimits(a: Limits, b: Limits): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]) as Set<keyof Limits>;
  return [...keys].every((k) => a[k] === b[k]);
}

export class WarmPool {
  private readonly classes: ClassState[];
  private closed = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly boots = new Set<Promise<void>>();

  constructor(private readonly deps: PoolDeps) {
    this.classes = deps.classes
      .filter((c) => c.size > 0 && deps.backends.has(c.backend))
      .map((spec) => ({ spec, ready: [], booting: 0, failures: 0, retryAt: 0 }));
  }

  /**
   * At start-up, before the core's recovery: members left by an earlier daemon are destroyed
   * (they are interchangeable, and one caught mid-boot is simplest made again).
   */
  async recover(): Promise<void> {
    for (const rec of this.deps.store.list(POOL_TENANT)) await this.discard(rec);
  }

  /** Begin filling, once recovery is done (the core's would take boots under way for leftovers). */
  start(): void {
    // A sweep now and then catches slots freed by destroys and retries after backoff.
    this.timer = setInterval(() => this.refill(), 2_000);
    this.timer.unref();
    this.refill();
  }

  status(): PoolStatus[] {
    return this.classes.map((c) => ({ ...c.spec, ready: c.ready.length, booting: c.booting }));
  }

  /** A ready member for the request, handed over; undefined when none fits or the hand-over failed. */
  async claim(req: ClaimRequest): Promise<SandboxRecord | undefined> {
    const { base, admit } = req;
    const cls = this.classes.find(
      (c) => c.spec.backend === base.backend && sameLimits(c.spec.limits, base.limits),
    );
    const member = cls?.ready.shift();
    if (!member) return undefined;
    const { store, log } = this.deps;
    let claimed: SandboxRecord | undefined;
    try {
      claimed = store.claim(member, { ...base, state: 'creating' }, admit);
    } catch (err) {
      // Over quota: the member stays, the caller gets the error.
      cls?.ready.unshift(member);
      throw err;
    }
    if (!claimed) {
      // The id is taken (the caller gets that error from the cold path): the member stays.
      cls?.ready.unshift(member);
      return undefined;
    }
    this.refill();
    try {
      await this.handOver(member, claimed);
    } catch (err) {
      log.warn('pool claim failed; creating cold', { id: base.id, error: String(err) });
      await this.discard(claimed);
      return undefined;
    }
    store.setState(claimed.tenant, claimed.id, 'running');
    return { ...claimed, state: 'running' };
  }

  /** The member handed to the claimed record, its egress policy installed at the same time. */
  private async handOver(member: SandboxRecord, claimed: SandboxRecord): Promise<void> {
    const old = this.deps.connect(endpointOf(this.deps.subnet, member));
    const spec = specOf(this.deps.subnet, claimed);
    await Promise.all([
      handOver(this.backend(claimed), old, spec),
      this.deps.egress.apply(spec.network.sandboxIp, claimed.network),
    ]);
  }

  /**
   * Frees one idle member's network slot for a cold create that found none; false if the pool
   * holds none.
   */
  async evictOne(): Promise<boolean> {
    const cls = [...this.classes].sort((a, b) => b.ready.length - a.ready.length)[0];
    const member = cls?.ready.pop();
    if (!member) return false;
    await this.discard(member);
    return true;
  }

  /** Stops refilling, waits for boots under way, and destroys every idle member. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    await Promise.allSettled([...this.boots]);
    for (const cls of this.classes) {
      for (const rec of cls.ready.splice(0)) await this.discard(rec);
    }
  }

  /** Start boots while a class is short, a boot slot and a network slot are free. */
  refill(): void {
    const limit = this.deps.concurrency ?? 2;
    for (const cls of this.classes) {
      while (
        !this.closed &&
        this.boots.size < limit &&
        cls.ready.length + cls.booting < cls.spec.size &&
        Date.now() >= cls.retryAt &&
        this.deps.store.count() < slotCount(this.deps.subnet)
      ) {
        const boot = this.boot(cls).finally(() => {
          this.boots.delete(boot);
          this.refill();
        });
        this.boots.add(boot);
      }
    }
  }

  private async boot(cls: ClassState): Promise<void> {
    cls.booting++;
    let rec: SandboxRecord | undefined;
    try {
      rec = this.reserve(cls.spec);
      const backend = this.backend(rec);
      const running = await backend.create(specOf(this.deps.subnet, rec));
      const timeout = backend.readyTimeoutMs ?? this.deps.readyTimeoutMs;
      const agent = this.deps.connect(running.agent);
      await waitForAgent(agent, timeout);
      // The first command of a sandbox pays for loading bash and its libraries (slow under
      // gVisor's ptrace platform); paid here, not by the caller. Nothing of it remains.
      await agent.call('exec', { command: 'true', timeout });
      await backend.prepareRename?.(specOf(this.deps.subnet, rec));
      this.deps.store.setState(POOL_TENANT, rec.id, 'running');
      if (this.closed) throw new Error('pool closed during boot');
      cls.ready.push({ ...rec, state: 'running' });
      cls.failures = 0;
      this.deps.log.info('pool member ready', { backend: rec.backend, id: rec.id, name: rec.name });
    } catch (err) {
      if (!this.closed) this.backOff(cls, err, rec?.name);
      if (rec) await this.discard(rec);
    } finally {
      cls.booting--;
    }
  }

  private backOff(cls: ClassState, err: unknown, name: string | undefined): void {
    const { min, max } = this.deps.backoffMs ?? { min: 1_000, max: 60_000 };
    cls.failures++;
    const wait = Math.min(max, min * 2 ** (cls.failures - 1));
    cls.retryAt = Date.now() + wait;
    this.deps.log.warn('pool boot failed', {
      backend: cls.spec.backend,
      name,
      failures: cls.failures,
      retryMs: wait,
      error: String(err).slice(0, 500),
    });
    setTimeout(() => this.refill(), wait).unref();
  }

  private reserve(spec: PoolClass): SandboxRecord {
    const rec = this.deps.store.reserve(
      unassignedRecord('pool', spec.backend, spec.limits),
      slotCount(this.deps.subnet),
    );
    if (!rec) throw new Error('pool member id collision');
    return rec;
  }

  private discard(rec: SandboxRecord): Promise<void> {
    return discardUnassigned(this.deps, this.backend(rec), rec);
  }

  private backend(rec: SandboxRecord): Backend {
    const backend = this.deps.backends.get(rec.backend);
    if (!backend) throw new Error(`backend ${rec.backend} is not offered`);
    return backend;
  }
}
