/** Quota routes: a tenant reads its own; an admin reads and sets any tenant's. */
import {
  parse,
  quotaOverrideSchema,
  quotaStatusSchema,
  tenantSchema,
  validOrThrow,
  type Quota,
  type QuotaStatus,
} from '@paddock/protocol';
import { effectiveQuota } from '../core/quotas.js';
import type { QuotaStore } from '../store/quotas.js';
import type { SandboxStore } from '../store/sandboxes.js';
import { route, type Route } from './route.js';

export interface QuotaRouteDeps {
  quotas: QuotaStore;
  sandboxes: SandboxStore;
  defaults: Quota;
}

function statusOf(deps: QuotaRouteDeps, tenant: string): QuotaStatus {
  return {
    tenant,
    quota: effectiveQuota(deps.defaults, deps.quotas.get(tenant)),
    used: deps.sandboxes.usage(tenant),
  };
}

const tenantOf = (params: Record<string, string>) =>
  validOrThrow(parse(tenantSchema, params['tenant'], 'path.tenant'));

export function quotaRoutes(deps: QuotaRouteDeps): Route[] {
  return [
    route({
      method: 'GET',
      path: '/v1/quota',
      summary: "The caller's tenant quota and what it uses",
      auth: true,
      reply: quotaStatusSchema,
      handle: ({ tenant }) => statusOf(deps, tenant),
    }),
    route({
      method: 'GET',
      path: '/v1/tenants/{tenant}/quota',
      summary: "A tenant's quota and usage (admin)",
      auth: true,
      scope: 'admin',
      reply: quotaStatusSchema,
      handle: ({ params }) => statusOf(deps, tenantOf(params)),
    }),
    route({
      method: 'PUT',
      path: '/v1/tenants/{tenant}/quota',
      summary: "Set a tenant's quota override (admin); fields left out are the daemon defaults",
      auth: true,
      scope: 'admin',
      body: quotaOverrideSchema,
      reply: quotaStatusSchema,
      handle: ({ params, body }) => {
        const tenant = tenantOf(params);
        deps.quotas.set(tenant, body, new Date().toISOString());
        return statusOf(deps, tenant);
      },
    }),
  ];
}
