/** Per-tenant quotas: wire shapes of /v1/quota and /v1/tenants/{tenant}/quota. */
import { LIMIT_BOUNDS, LIMIT_NAMES, type LimitName, type Limits } from './api.js';
import { tenantSchema } from './keys.js';
import { int, object, optional, type Infer, type Schema } from './schema.js';

/** Totals over every sandbox a tenant has (sleeping and failed ones hold their disk and slot). */
export const TOTAL_NAMES = ['sandboxes', 'memoryMiB', 'diskMiB'] as const;
export type TotalName = (typeof TOTAL_NAMES)[number];
export type Totals = Record<TotalName, number>;

const totalBounds: Record<TotalName, number> = {
  sandboxes: 100_000,
  memoryMiB: 64 * 1024 * 1024,
  diskMiB: 1024 * 1024 * 1024,
};

const totalInt = (name: TotalName) => int({ min: 0, max: totalBounds[name] });
const limitInt = (name: LimitName) =>
  int({ min: LIMIT_BOUNDS[name].min, max: LIMIT_BOUNDS[name].max });

function partialLimits(): Schema<Partial<Limits>> {
  const shape = Object.fromEntries(LIMIT_NAMES.map((n) => [n, optional(limitInt(n))]));
  return object(shape);
}

function fullLimits(): Schema<Limits> {
  const shape = Object.fromEntries(LIMIT_NAMES.map((n) => [n, limitInt(n)]));
  return object(shape) as unknown as Schema<Limits>;
}

/** An admin's override of a tenant's quota; what it leaves out is the daemon's default. */
export const quotaOverrideSchema = object({
  sandboxes: optional(totalInt('sandboxes')),
  memoryMiB: optional(totalInt('memoryMiB')),
  diskMiB: optional(totalInt('diskMiB')),
  /** Largest value one create may ask for, per limit. */
  perSandbox: optional(partialLimits()),
});
export type QuotaOverride = Infer<typeof quotaOverrideSchema>;

export const quotaSchema = object({
  sandboxes: totalInt('sandboxes'),
  memoryMiB: totalInt('memoryMiB'),
  diskMiB: totalInt('diskMiB'),
  perSandbox: fullLimits(),
});
export type Quota = Infer<typeof quotaSchema>;

/** A tenant's effective quota and what it uses now. */
export const quotaStatusSchema = object({
  tenant: tenantSchema,
  quota: quotaSchema,
  used: object({
    sandboxes: totalInt('sandboxes'),
    memoryMiB: totalInt('memoryMiB'),
    diskMiB: totalInt('diskMiB'),
  }),
});
export type QuotaStatus = Infer<typeof quotaStatusSchema>;
