/**
 * A new sandbox's record before it is reserved: its limits (defaults under the request, checked
 * against the tenant's per-sandbox maxima), lifecycle settings and the quota admission check
 * the store runs in the reservation's transaction.
 */
import {
  durationMs,
  normalizePolicy,
  type BackendName,
  type CreateSandboxRequest,
  type Limits,
  type Quota,
  type QuotaOverride,
} from '@paddock/protocol';
import type { Admit, SandboxRecord } from '../store/sandboxes.js';
import { checkLimits } from './limits.js';
import { newAgentToken, newHostName } from './records.js';
import { admitter, checkPerSandbox, effectiveQuota } from './quotas.js';

export interface NewRecordInput {
  tenant: string;
  id: string;
  req: CreateSandboxRequest;
  backend: BackendName;
  defaults: Limits;
  quota: Quota;
  override: QuotaOverride | undefined;
  now?: number;
}

export function newRecord(input: NewRecordInput): {
  base: Omit<SandboxRecord, 'slot'>;
  admit: Admit;
} {
  const { req } = input;
  const limits = { ...input.defaults, ...req.limits };
  checkLimits(limits);
  const quota = effectiveQuota(input.quota, input.override);
  checkPerSandbox(quota, limits);
  const now = input.now ?? Date.now();
  const base = {
    tenant: input.tenant,
    id: input.id,
    name: newHostName(),
    state: 'creating' as const,
    stateReason: undefined,
    backend: input.backend,
    limits,
    env: req.env ?? {},
    network: normalizePolicy(req.network),
    agentToken: newAgentToken(),
    createdAt: new Date(now).toISOString(),
    sleepAfterMs: req.sleepAfter === undefined ? undefined : durationMs(req.sleepAfter),
    sleepMode: req.sleepMode ?? 'stop',
    keepAlive: req.keepAlive ?? false,
    expiresAt: req.ttl === undefined ? undefined : now + durationMs(req.ttl),
    lastActiveAt: now,
    asleepAs: undefined,
  };
  return { base, admit: admitter(quota, limits) };
}
