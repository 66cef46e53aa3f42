/**
 * Sleep, wake, pause, resume and the lifecycle timers (sleepAfter, ttl). Transitions of one
 * sandbox run one at a time; calls that need a sleeping sandbox wake it first. Deadlines live in
 * SQLite (last activity, expiry), so a restarted daemon's ticker simply finds them again.
 */
import { PaddockError, canTransition, type SleepMode, type SandboxState } from '@paddock/protocol';
import type { AgentClient } from '../agent-link/client.js';
import type { AgentEndpoint, Backend, SandboxSpec } from '../backends/backend.js';
import type { Logger } from '../log.js';
import type { SandboxRecord, SandboxStore } from '../store/sandboxes.js';
import { KeyedLock } from '../util/keyed-lock.js';
import { waitForAgent } from './readiness.js';

export interface LifecycleDeps {
  store: SandboxStore;
  backendOf: (rec: SandboxRecord) => Backend;
  specOf: (rec: SandboxRecord) => SandboxSpec;
  connect: (ep: AgentEndpoint) => AgentClient;
  readyTimeoutMs: number;
  /**
   * Flushes the sandbox's writes to its disk before its runtime stops (a VM's guest page cache
   * dies with it); failures are ignored (the sandbox may be hung).
   */
  flush: (rec: SandboxRecord) => Promise<void>;
  /** Destroys a sandbox whose ttl has passed. */
  destroy: (tenant: string, id: string) => Promise<void>;
  log: Logger;
  now?: () => number;
}

const keyOf = (tenant: string, id: string) => `${tenant}\u0000${id}`;

export class Lifecycle {
  private readonly lock = new KeyedLock();
  /** Calls in progress per sandbox: a busy sandbox is never put to sleep. */
  private readonly inflight = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private ticking = false;

  constructor(private readonly deps: LifecycleDeps) {}

  private now(): number {
    return (this.deps.now ?? Date.now)();
  }

  /** Counts a call as activity from now until the returned function is called. */
  enter(tenant: string, id: string): () => void {
    const key = keyOf(tenant, id);
    this.inflight.set(key, (this.inflight.get(key) ?? 0) + 1);
    let done = false;
    return () => {
      if (done) return;
      done = true;
      const n = (this.inflight.get(key) ?? 1) - 1;
      if (n > 0) this.inflight.set(key, n);
      else this.inflight.delete(key);
      this.deps.store.touch(tenant, id, this.now());
    };
  }

  /** Runs fn with no transition of the sandbox in progress, and none starting until it ends. */
  exclusive<T>(tenant: string, id: string, fn: () => Promise<T>): Promise<T> {
    return this.lock.run(keyOf(tenant, id), fn);
  }

  private readonly workLock = new KeyedLock();

  /** Runs fn alone among fns of the same kind for the sandbox (count-then-start checks). */
  exclusiveWork<T>(tenant: string, id: string, kind: string, fn: () => Promise<T>): Promise<T> {
    return this.workLock.run(`${keyOf(tenant, id)}\u0000${kind}`, fn);
  }

  /** The record once no transition is in progress, woken when it sleeps. */
  async awake(tenant: string, id: string): Promise<SandboxRecord | undefined> {
    await this.lock.settled(keyOf(tenant, id));
    const rec = this.deps.store.get(tenant, id);
    if (rec?.state !== 'sleeping') return rec;
    await this.wake(tenant, id);
    return this.deps.store.get(tenant, id);
  }

  /** Sleep by stopping the runtime (disk kept) or pausing it (memory kept). Idempotent. */
  sleep(tenant: string, id: string, mode: SleepMode, onlyIfIdle = false): Promise<void> {
    return this.exclusive(tenant, id, async () => {
      const rec = this.deps.store.get(tenant, id);
      if (!rec) throw notFound(id);
      if (onlyIfIdle && !this.isIdle(rec)) return;
      if (rec.state === 'sleeping') {
        if (rec.asleepAs === mode) return;
        if (mode === 'pause') throw invalid(rec, 'paused (it is asleep, stopped; wake it first)');
        // A paused sandbox asked to sleep for real: stop it (its memory goes).
      } else {
        refuseUnless(rec, 'sleeping');
      }
      // Recorded first: a daemon killed half-way finds it sleeping, and waking starts it afresh.
      this.deps.store.setSleep(tenant, id, 'sleeping', mode);
      await this.apply(rec, () => this.sleepBackend(rec, mode), 'sleep');
      this.deps.log.info('sandbox asleep', { tenant, id, mode });
    });
  }

  private async sleepBackend(rec: SandboxRecord, mode: SleepMode): Promise<void> {
    const backend = this.deps.backendOf(rec);
    const spec = this.deps.specOf(rec);
    if (mode === 'pause') {
      await backend.pause(spec);
      return;
    }
    // A paused sandbox is thawed first, so its writes can be flushed too.
    if (rec.asleepAs === 'pause') await backend.resume(spec);
    await this.deps.flush(rec).catch(() => undefined);
    await backend.stop(spec);
  }

  /** Wake a sleeping sandbox (resume it, or start its runtime and wait for its agent). */
  wake(tenant: string, id: string): Promise<void> {
    return this.exclusive(tenant, id, async () => {
      const rec = this.deps.store.get(tenant, id);
      if (!rec) throw notFound(id);
      if (rec.state === 'running') return;
      if (rec.state !== 'sleeping') throw invalid(rec, 'woken');
      const started = this.now();
      await this.apply(rec, () => this.wakeBackend(rec), 'wake');
      this.deps.store.setSleep(tenant, id, 'running', undefined);
      this.deps.store.touch(tenant, id, this.now());
      this.deps.log.info('sandbox awake', { tenant, id, ms: this.now() - started });
    });
  }

  private async wakeBackend(rec: SandboxRecord): Promise<void> {
    const backend = this.deps.backendOf(rec);
    const spec = this.deps.specOf(rec);
    if (rec.asleepAs === 'pause') {
      await backend.resume(spec);
      return;
    }
    const running = await backend.start(spec);
    await waitForAgent(
      this.deps.connect(running.agent),
      backend.readyTimeoutMs ?? this.deps.readyTimeoutMs,
    );
  }

  /** A failed sleep or wake leaves the sandbox failed with the reason (destroy still works). */
  private async apply(rec: SandboxRecord, fn: () => Promise<void>, what: string): Promise<void> {
    try {
      await fn();
    } catch (err) {
      const reason = `${what} failed: ${err instanceof Error ? err.message : String(err)}`;
      this.deps.store.setState(rec.tenant, rec.id, 'failed', reason.slice(0, 500));
      this.deps.log.error(`sandbox ${what} failed`, { tenant: rec.tenant, id: rec.id, reason });
      throw new PaddockError('BACKEND_ERROR', `Sandbox '${rec.id}' could not ${what}`);
    }
  }

  private isIdle(rec: SandboxRecord): boolean {
    if (rec.state !== 'running' || rec.keepAlive || rec.sleepAfterMs === undefined) return false;
    if ((this.inflight.get(keyOf(rec.tenant, rec.id)) ?? 0) > 0) return false;
    return rec.lastActiveAt + rec.sleepAfterMs <= this.now();
  }

  /** One pass of the timers: expired sandboxes are destroyed, idle ones put to sleep. */
  async tick(): Promise<void> {
    if (this.ticking) return;
    this.ticking = true;
    try {
      const now = this.now();
      for (const rec of this.deps.store.expired(now)) {
        await this.onTimer(rec, 'ttl expired', () => this.deps.destroy(rec.tenant, rec.id));
      }
      for (const rec of this.deps.store.idle(now)) {
        await this.onTimer(rec, 'idle', () => this.sleep(rec.tenant, rec.id, rec.sleepMode, true));
      }
    } finally {
      this.ticking = false;
    }
  }

  private async onTimer(rec: SandboxRecord, why: string, fn: () => Promise<void>): Promise<void> {
    this.deps.log.info(`lifecycle timer: ${why}`, { tenant: rec.tenant, id: rec.id });
    await fn().catch((err: unknown) =>
      this.deps.log.warn('lifecycle timer action failed', {
        tenant: rec.tenant,
        id: rec.id,
        error: String(err),
      }),
    );
  }

  start(intervalMs: number): void {
    this.timer = setInterval(() => void this.tick(), intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /**
   * At start-up, for a sleeping sandbox: a paused one whose runtime is gone sleeps as stopped
   * (waking starts it afresh on its disk); a stopped one needs nothing.
   */
  async recoverSleeping(rec: SandboxRecord): Promise<void> {
    if (rec.asleepAs !== 'pause') return;
    const live = await this.deps.backendOf(rec).inspect(this.deps.specOf(rec));
    if (!live.alive) this.deps.store.setSleep(rec.tenant, rec.id, 'sleeping', 'stop');
  }
}

function notFound(id: string): PaddockError {
  return new PaddockError('SANDBOX_NOT_FOUND', `Sandbox '${id}' does not exist`);
}

function refuseUnless(rec: SandboxRecord, to: SandboxState): void {
  if (!canTransition(rec.state, to)) throw invalid(rec, `put to ${to}`);
}

function invalid(rec: SandboxRecord, what: string): PaddockError {
  const why = rec.stateReason ? ` (${rec.stateReason})` : '';
  return new PaddockError(
    'INVALID_STATE',
    `Sandbox '${rec.id}' is ${rec.state}${why}; it cannot be ${what}`,
    { state: rec.state },
  );
}
