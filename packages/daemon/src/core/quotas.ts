/**
 * Quotas: what a tenant may hold in total (sandboxes, memory, disk) and the most one create may
 * ask for per limit. Pure decisions; the store runs `admit` inside the reservation transaction.
 */
import {
  LIMIT_NAMES,
  PaddockError,
  TOTAL_NAMES,
  type Limits,
  type Quota,
  type QuotaOverride,
  type Totals,
} from '@paddock/protocol';
import type { Admit } from '../store/sandboxes.js';

/** The daemon's default quota under a tenant's override. */
export function effectiveQuota(defaults: Quota, override: QuotaOverride | undefined): Quota {
  if (!override) return defaults;
  const { perSandbox, ...totals } = override;
  return {
    ...defaults,
    ...totals,
    perSandbox: { ...defaults.perSandbox, ...perSandbox },
  };
}

function exceeded(limit: string, used: number, requested: number, max: number): PaddockError {
  return new PaddockError(
    'QUOTA_EXCEEDED',
    `The quota '${limit}' allows ${max}; ${used} in use and ${requested} more asked for`,
    { limit, used, requested, max },
  );
}

/** Refuses limits over the tenant's per-sandbox maxima, naming the first one over. */
export function checkPerSandbox(quota: Quota, limits: Limits): void {
  for (const name of LIMIT_NAMES) {
    const max = quota.perSandbox[name];
    if (limits[name] > max) throw exceeded(`perSandbox.${name}`, 0, limits[name], max);
  }
}

/** What one new sandbox adds to its tenant's totals. */
export function demandOf(limits: Limits): Totals {
  return { sandboxes: 1, memoryMiB: limits.memoryMiB, diskMiB: limits.diskMiB };
}

/** The admission check the store runs atomically with the reservation. */
export function admitter(quota: Quota, limits: Limits): Admit {
  const demand = demandOf(limits);
  return (used) => {
    for (const name of TOTAL_NAMES) {
      if (used[name] + demand[name] > quota[name]) {
        throw exceeded(name, used[name], demand[name], quota[name]);
      }
    }
  };
}
