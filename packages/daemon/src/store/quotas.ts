/** Per-tenant quota overrides set by an admin; a tenant without one has the daemon's defaults. */
import type { QuotaOverride } from '@paddock/protocol';
import type { Db } from './db.js';

export class QuotaStore {
  constructor(private readonly db: Db) {}

  get(tenant: string): QuotaOverride | undefined {
    const row = this.db
      .prepare('SELECT quota FROM tenant_quotas WHERE tenant = ?')
      .pluck()
      .get(tenant) as string | undefined;
    return row === undefined ? undefined : (JSON.parse(row) as QuotaOverride);
  }

  /** Replaces the tenant's override (an empty one means the defaults). */
  set(tenant: string, quota: QuotaOverride, at: string): void {
    this.db
      .prepare(
        `INSERT INTO tenant_quotas (tenant, quota, updated_at) VALUES (?, ?, ?)
         ON CONFLICT (tenant) DO UPDATE SET quota = excluded.quota, updated_at = excluded.updated_at`,
      )
      .run(tenant, JSON.stringify(quota), at);
  }

  remove(tenant: string): void {
    this.db.prepare('DELETE FROM tenant_quotas WHERE tenant = ?').run(tenant);
  }
}
