/** Exposed ports (preview URLs). Tokens are kept as SHA-256 hashes only. */
import type { PreviewAccess } from '@paddock/protocol';
import type { Db } from './db.js';

export interface PreviewRecord {
  tenant: string;
  sandboxId: string;
  port: number;
  name: string;
  tokenHash: string;
  access: PreviewAccess;
  expiresAt: string | undefined;
  createdAt: string;
}

interface Row {
  tenant: string;
  sandbox_id: string;
  port: number;
  name: string;
  token_hash: string;
  access: string;
  expires_at: string | null;
  created_at: string;
}

function fromRow(r: Row): PreviewRecord {
  return {
    tenant: r.tenant,
    sandboxId: r.sandbox_id,
    port: r.port,
    name: r.name,
    tokenHash: r.token_hash,
    access: r.access as PreviewAccess,
    expiresAt: r.expires_at ?? undefined,
    createdAt: r.created_at,
  };
}

export class PreviewStore {
  constructor(private readonly db: Db) {}

  /** Throws on a taken port or token hash; the core checks both first. */
  add(p: PreviewRecord): void {
    this.db
      .prepare(
        `INSERT INTO previews (tenant, sandbox_id, port, name, token_hash, access, expires_at, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        p.tenant,
        p.sandboxId,
        p.port,
        p.name,
        p.tokenHash,
        p.access,
        p.expiresAt ?? null,
        p.createdAt,
      );
  }

  get(tenant: string, sandboxId: string, port: number): PreviewRecord | undefined {
    const row = this.db
      .prepare('SELECT * FROM previews WHERE tenant = ? AND sandbox_id = ? AND port = ?')
      .get(tenant, sandboxId, port) as Row | undefined;
    return row && fromRow(row);
  }

  list(tenant: string, sandboxId: string): PreviewRecord[] {
    const rows = this.db
      .prepare('SELECT * FROM previews WHERE tenant = ? AND sandbox_id = ? ORDER BY port')
      .all(tenant, sandboxId) as Row[];
    return rows.map(fromRow);
  }

  count(tenant: string, sandboxId: string): number {
    return this.db
      .prepare('SELECT COUNT(*) FROM previews WHERE tenant = ? AND sandbox_id = ?')
      .pluck()
      .get(tenant, sandboxId) as number;
  }

  /** The preview a token hash belongs to (an indexed lookup of a hash reveals nothing). */
  byTokenHash(hash: string): PreviewRecord | undefined {
    const row = this.db.prepare('SELECT * FROM previews WHERE token_hash = ?').get(hash) as
      Row | undefined;
    return row && fromRow(row);
  }

  /** Previews of a sandbox id and port across tenants (ids are names within a tenant). */
  bySandboxPort(sandboxId: string, port: number): PreviewRecord[] {
    const rows = this.db
      .prepare('SELECT * FROM previews WHERE sandbox_id = ? AND port = ? LIMIT 16')
      .all(sandboxId, port) as Row[];
    return rows.map(fromRow);
  }

  /** True when a row was deleted. */
  delete(tenant: string, sandboxId: string, port: number): boolean {
    const r = this.db
      .prepare('DELETE FROM previews WHERE tenant = ? AND sandbox_id = ? AND port = ?')
      .run(tenant, sandboxId, port);
    return r.changes > 0;
  }
}
