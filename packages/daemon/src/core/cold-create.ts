/**
 * A sandbox booted for the request (no pool member fitted): reserve the id and a network slot,
 * boot, wait for the agent; on failure undo everything, or leave the record `failed` with why.
 */
import { PaddockError } from '@paddock/protocol';
import type { Backend, SandboxSpec } from '../backends/backend.js';
import { slotCount } from '../net/plan.js';
import type { SandboxRecord } from '../store/sandboxes.js';
import type { ClaimRequest } from './pool.js';
import { waitForAgent } from './readiness.js';
import { newAgentToken, newHostName, specOf } from './records.js';
import type { SandboxServiceDeps } from './sandbox-service.js';

export async function createCold(
  deps: SandboxServiceDeps,
  backend: Backend,
  req: ClaimRequest,
): Promise<SandboxRecord> {
  const rec = await reserve(deps, req);
  const spec = specOf(deps.subnet, rec);
  try {
    const running = await backend.create(spec);
    const timeout = backend.readyTimeoutMs ?? deps.readyTimeoutMs;
    await waitForAgent(deps.connect(running.agent), timeout);
  } catch (err) {
    deps.log.error('sandbox create failed', { tenant: rec.tenant, id: rec.id, error: String(err) });
    await cleanupFailedCreate(deps, backend, rec, spec);
    throw new PaddockError('BACKEND_ERROR', `Sandbox '${rec.id}' could not be started`);
  }
  deps.store.setState(rec.tenant, rec.id, 'running');
  return deps.store.get(rec.tenant, rec.id) ?? { ...rec, state: 'running' };
}

/** The id and a network slot; an idle pool member gives up its slot when none is free. */
async function reserve(deps: SandboxServiceDeps, req: ClaimRequest): Promise<SandboxRecord> {
  const base = {
    ...req,
    name: newHostName(),
    state: 'creating' as const,
    stateReason: undefined,
    agentToken: newAgentToken(),
    createdAt: new Date().toISOString(),
  };
  for (let evicted = false; ; evicted = true) {
    let rec: SandboxRecord | undefined;
    try {
      rec = deps.store.reserve(base, slotCount(deps.subnet));
    } catch {
      if (!evicted && (await deps.pool?.evictOne())) continue;
      throw new PaddockError('CAPACITY_EXHAUSTED', 'Every sandbox network slot is in use');
    }
    if (!rec)
      throw new PaddockError('SANDBOX_ALREADY_EXISTS', `Sandbox '${req.id}' already exists`);
    return rec;
  }
}

async function cleanupFailedCreate(
  deps: SandboxServiceDeps,
  backend: Backend,
  rec: SandboxRecord,
  spec: SandboxSpec,
): Promise<void> {
  try {
    await backend.destroy(spec);
    deps.store.delete(rec.tenant, rec.id);
  } catch (err) {
    const why = 'start failed and clean-up did not finish';
    deps.store.setState(rec.tenant, rec.id, 'failed', why);
    deps.log.error('clean-up after failed create failed', { id: rec.id, error: String(err) });
  }
}
