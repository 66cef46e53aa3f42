/**
 * Sandboxes of no tenant, made and ended by the core itself: warm-pool members (pool.ts) and
 * snapshot templates (snapshots.ts). What both need, their record, their hand-over to a
 * tenant's record, and their removal.
 */
import { randomBytes } from 'node:crypto';
import { normalizePolicy, type BackendName, type Limits } from '@paddock/protocol';
import type { AgentClient } from '../agent-link/client.js';
import type { AgentEndpoint, Backend, SandboxSpec } from '../backends/backend.js';
import type { Logger } from '../log.js';
import type { Subnet } from '../net/plan.js';
import type { SandboxRecord, SandboxStore } from '../store/sandboxes.js';
import type { EgressControl } from './egress.js';
import { newAgentToken, newHostName, specOf } from './records.js';

export interface UnassignedDeps {
  store: SandboxStore;
  backends: ReadonlyMap<BackendName, Backend>;
  connect: (ep: AgentEndpoint) => AgentClient;
  subnet: Subnet;
  /** A claimed member's egress policy is applied during the hand-over. */
  egress: EgressControl;
  log: Logger;
  readyTimeoutMs: number;
}

/**
 * Owner of sandboxes no tenant has yet (pool members, snapshot templates): not a valid tenant
 * name (tenants match [a-z0-9-]), so no key reaches them and no list shows them.
 */
export const POOL_TENANT = '_pool';

/** The record of a pool member or template (`kind` prefixes its id), not yet reserved. */
export function unassignedRecord(
  kind: 'pool' | 'template',
  backend: BackendName,
  limits: Limits,
): Omit<SandboxRecord, 'slot'> {
  return {
    tenant: POOL_TENANT,
    id: `${kind}-${randomBytes(6).toString('hex')}`,
    name: newHostName(),
    state: 'creating',
    stateReason: undefined,
    backend,
    limits,
    env: {},
    network: normalizePolicy(undefined),
    agentToken: newAgentToken(),
    createdAt: new Date().toISOString(),
    sleepAfterMs: undefined,
    sleepMode: 'stop',
    keepAlive: true,
    expiresAt: undefined,
    lastActiveAt: Date.now(),
    asleepAs: undefined,
  };
}

/** Destroy an unassigned sandbox and forget it; one that will not go is marked failed, as the core does. */
export async function discardUnassigned(
  deps: UnassignedDeps,
  backend: Backend,
  rec: SandboxRecord,
): Promise<void> {
  try {
    const spec = specOf(deps.subnet, rec);
    await backend.destroy(spec);
    await deps.egress.remove(spec.network.sandboxIp);
    deps.store.delete(rec.tenant, rec.id);
  } catch (err) {
    deps.store.setState(rec.tenant, rec.id, 'failed', 'clean-up did not finish');
    deps.log.error('clean-up of an unassigned sandbox failed', { id: rec.id, error: String(err) });
  }
}

/**
 * A booted sandbox handed to `spec`'s record (a claimed pool member, a restored sandbox): the
 * agent's claim swaps the token it answers to for the record's own and takes the id as host
 * name; where the backend sets the name from outside, it does so at the same time (else the
 * agent sets it itself and must say it did).
 */
export async function handOver(
  backend: Backend,
  agent: AgentClient,
  spec: SandboxSpec,
): Promise<void> {
  const [, reply] = await Promise.all([
    backend.rename?.(spec),
    agent.call('claim', {
      token: spec.agentToken,
      hostname: spec.id,
      setHostname: !backend.rename,
    }),
  ]);
  if (!backend.rename && !reply.hostnameSet) {
    throw new Error('the sandbox did not take its host name');
  }
}
