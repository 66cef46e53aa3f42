/**
 * Making a sandbox: a warm-pool member claimed (pool.ts), else the id and a network slot reserved
 * (quota admission in the same transaction) and the sandbox restored from a snapshot of its class
 * (snapshots.ts) or booted; whatever fails is undone.
 */
import { randomBytes } from 'node:crypto';
import {
  PaddockError,
  type BackendName,
  type CreateSandboxRequest,
  type SandboxInfo,
} from '@paddock/protocol';
import type { Backend, SandboxSpec } from '../backends/backend.js';
import { slotCount } from '../net/plan.js';
import type { SandboxRecord } from '../store/sandboxes.js';
import { newRecord } from './new-record.js';
import type { ClaimRequest } from './pool.js';
import { waitForAgent } from './readiness.js';
import { SandboxBase } from './sandbox-base.js';

export abstract class SandboxCreate extends SandboxBase {
  /** From the warm pool when a member fits (core/pool.ts), else restored or booted now. */
  async create(tenant: string, req: CreateSandboxRequest): Promise<SandboxInfo> {
    const backend = this.backendNamed(req.backend ?? this.deps.defaultBackend);
    const asked = this.newRecord(tenant, req, backend.name);
    const started = Date.now();
    const pooled = await this.deps.pool?.claim(asked);
    const made = pooled ? { rec: pooled, source: 'pool' } : await this.createCold(backend, asked);
    this.deps.log.info('sandbox created', {
      tenant,
      id: made.rec.id,
      name: made.rec.name,
      backend: backend.name,
      source: made.source,
      ms: Date.now() - started,
    });
    return this.info(made.rec);
  }

  /**
   * Reserve the id and a slot, restore it from a snapshot of its class (core/snapshots.ts) or
   * boot it, wait for the agent; on failure undo everything.
   */
  private async createCold(
    backend: Backend,
    asked: ClaimRequest,
  ): Promise<{ rec: SandboxRecord; source: 'snapshot' | 'cold' }> {
    const rec = await this.reserve(asked);
    const spec = this.specOf(rec);
    const { tenant } = rec;
    const { log, snapshots } = this.deps;
    let source: 'snapshot' | 'cold' = 'cold';
    try {
      await this.deps.egress.apply(spec.network.sandboxIp, rec.network);
      const snapshot = snapshots?.templateFor(backend, rec.limits);
      if (snapshot && (await snapshots?.restoreInto(backend, spec, snapshot))) {
        source = 'snapshot';
      } else {
        const running = await backend.create(spec);
        await waitForAgent(
          this.deps.connect(running.agent),
          backend.readyTimeoutMs ?? this.deps.readyTimeoutMs,
        );
      }
    } catch (err) {
      log.error('sandbox create failed', { tenant, id: rec.id, error: String(err) });
      await this.cleanupFailedCreate(rec, spec);
      throw new PaddockError('BACKEND_ERROR', `Sandbox '${rec.id}' could not be started`);
    }
    this.transition(rec, 'running');
    return { rec: this.deps.store.get(tenant, rec.id) ?? rec, source };
  }

  /** What the create asks for: limits checked against the tenant's maxima, its quota admission. */
  private newRecord(tenant: string, req: CreateSandboxRequest, backend: BackendName) {
    return newRecord({
      tenant,
      id: req.id ?? `sb-${randomBytes(5).toString('hex')}`,
      req,
      backend,
      defaults: this.deps.defaults,
      quota: this.deps.quota,
      override: this.deps.quotas?.get(tenant),
    });
  }

  /** The id and a network slot; an idle pool member gives up its slot when none is free. */
  private async reserve({ base, admit }: ClaimRequest): Promise<SandboxRecord> {
    for (let evicted = false; ; evicted = true) {
      let rec: SandboxRecord | undefined;
      try {
        rec = this.deps.store.reserve(base, slotCount(this.deps.subnet), admit);
      } catch (err) {
        if (err instanceof PaddockError) throw err;
        if (!evicted && (await this.deps.pool?.evictOne())) continue;
        throw new PaddockError('CAPACITY_EXHAUSTED', 'Every sandbox network slot is in use');
      }
      if (!rec) {
        throw new PaddockError('SANDBOX_ALREADY_EXISTS', `Sandbox '${base.id}' already exists`);
      }
      return rec;
    }
  }

  private async cleanupFailedCreate(rec: SandboxRecord, spec: SandboxSpec): Promise<void> {
    try {
      await this.backendOf(rec).destroy(spec);
      await this.deps.egress.remove(spec.network.sandboxIp);
      this.deps.store.delete(rec.tenant, rec.id);
    } catch (err) {
      this.deps.store.setState(
        rec.tenant,
        rec.id,
        'failed',
        'start failed and clean-up did not finish',
      );
      this.deps.log.error('clean-up after failed create failed', {
        id: rec.id,
        error: String(err),
      });
    }
  }
}
