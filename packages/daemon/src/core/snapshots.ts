/**
 * Snapshot templates: per backend that can restore (microvm) and size class, one sandbox booted
 * once (no tenant, never given user code), warmed, saved with its memory and ended. A create of
 * that class with no pool member to claim is then restored from it instead of booted: the
 * backend gives the new VM its own disk (copy-on-write), address, clock and reseeded randomness,
 * and the agent's `claim` swaps the template's token for the sandbox's own and sets its host
 * name, as for a pool member. Snapshots live in `DATA/snapshots/<backend>-<key>-<class>/`, named
 * by what they depend on, so a daemon restart keeps them and an image or QEMU change makes new
 * ones. A restore that fails is undone and the sandbox is booted instead.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { BackendName, Limits } from '@paddock/protocol';
import type { Backend, SandboxSpec } from '../backends/backend.js';
import { slotCount } from '../net/plan.js';
import type { SandboxRecord } from '../store/sandboxes.js';
import { waitForAgent } from './readiness.js';
import { specOf } from './records.js';
import {
  discardUnassigned,
  handOver,
  unassignedRecord,
  type UnassignedDeps,
} from './unassigned.js';

export interface SnapshotClass {
  backend: BackendName;
  limits: Limits;
}

export interface SnapshotDeps extends UnassignedDeps {
  /** DATA/snapshots. */
  dir: string;
  /** Classes to make at start-up; others are made after their first create. */
  classes: readonly SnapshotClass[];
}

/** Each template is disk and a memory stream: a few distinct size classes at most. */
const MAX_TEMPLATES = 4;
/** After a failed template, its class boots cold for this long before another try. */
const RETRY_MS = 60_000;

export class Snapshots {
  private readonly building = new Map<string, Promise<void>>();
  private readonly failedAt = new Map<string, number>();
  private closed = false;

  constructor(private readonly deps: SnapshotDeps) {}

  /** Half-made snapshots of a daemon that stopped mid-save go. */
  async recover(): Promise<void> {
    await mkdir(this.deps.dir, { recursive: true, mode: 0o700 });
    for (const name of await readdir(this.deps.dir)) {
      if (name.endsWith('.tmp'))
        await rm(join(this.deps.dir, name), { recursive: true, force: true });
    }
  }

  start(): void {
    for (const c of this.deps.classes) {
      const backend = this.deps.backends.get(c.backend);
      if (backend) this.ensure(backend, c.limits);
    }
  }

  /** The snapshot to restore a create of this class from; if none is ready, one is begun. */
  templateFor(backend: Backend, limits: Limits): string | undefined {
    const dir = this.dirOf(backend, limits);
    if (dir === undefined) return undefined;
    // Made under `.tmp` and renamed when whole: the directory is the snapshot's readiness.
    if (existsSync(dir)) return dir;
    this.ensure(backend, limits);
    return undefined;
  }

  /**
   * Restore `spec` (a reserved record's) from `dir` and hand it over; false (and nothing left
   * of it) when that failed, so the caller boots it instead.
   */
  async restoreInto(backend: Backend, spec: SandboxSpec, dir: string): Promise<boolean> {
    const { log } = this.deps;
    try {
      if (!backend.restore) return false;
      const restored = await backend.restore(spec, dir);
      const agent = this.deps.connect(restored.agent);
      await waitForAgent(agent, backend.readyTimeoutMs ?? this.deps.readyTimeoutMs);
      await handOver(backend, agent, spec);
      return true;
    } catch (err) {
      log.warn('restore from snapshot failed; booting', { name: spec.name, error: String(err) });
      await backend.destroy(spec);
      return false;
    }
  }

  /** Waits for templates being made (their sandboxes are removed either way). */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.allSettled([...this.building.values()]);
  }

  private dirOf(backend: Backend, limits: Limits): string | undefined {
    if (!backend.snapshotKey || !backend.restore || !backend.snapshot) return undefined;
    const sorted = Object.entries(limits).sort(([a], [b]) => a.localeCompare(b));
    const size = createHash('sha256').update(JSON.stringify(sorted)).digest('hex').slice(0, 12);
    return join(this.deps.dir, `${backend.name}-${backend.snapshotKey()}-${size}`);
  }

  private ensure(backend: Backend, limits: Limits): void {
    const dir = this.dirOf(backend, limits);
    if (dir === undefined || this.closed || this.building.has(dir)) return;
    if (existsSync(dir)) return;
    if (Date.now() - (this.failedAt.get(dir) ?? -Infinity) < RETRY_MS) return;
    if (this.building.size >= MAX_TEMPLATES) return;
    const made = this.make(backend, limits, dir).finally(() => this.building.delete(dir));
    this.building.set(dir, made);
  }

  /** Boot the template, warm it, flush its disk, save it, end it. */
  private async make(backend: Backend, limits: Limits, dir: string): Promise<void> {
    const { store, subnet, log } = this.deps;
    const started = Date.now();
    const tmp = `${dir}.tmp`;
    let rec: SandboxRecord | undefined;
    try {
      rec = store.reserve(unassignedRecord('template', backend.name, limits), slotCount(subnet));
      if (!rec) throw new Error('template id collision');
      const spec: SandboxSpec = { ...specOf(subnet, rec), template: true };
      const running = await backend.create(spec);
      const agent = this.deps.connect(running.agent);
      const timeout = backend.readyTimeoutMs ?? this.deps.readyTimeoutMs;
      await waitForAgent(agent, timeout);
      // Restored sandboxes start with bash and its libraries in the guest's page cache.
      await agent.call('exec', { command: 'true', timeout });
      await agent.call('exec', { command: ['sync'], timeout });
      if (this.closed) throw new Error('daemon stopping');
      await rm(tmp, { recursive: true, force: true });
      await mkdir(tmp, { mode: 0o700 });
      await backend.snapshot?.(spec, tmp);
      await rename(tmp, dir);
      log.info('snapshot ready', { backend: backend.name, dir, ms: Date.now() - started });
    } catch (err) {
      this.failedAt.set(dir, Date.now());
      log.warn('snapshot failed', { backend: backend.name, error: String(err).slice(0, 500) });
      await rm(tmp, { recursive: true, force: true });
    } finally {
      if (rec) await discardUnassigned(this.deps, backend, rec);
    }
  }
}
