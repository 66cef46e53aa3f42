/** API keys, stored as SHA-256 hashes only, with their tenant, scopes, expiry and revocation. */
import type { KeyInfo, KeyScope } from '@paddock/protocol';
import type { Db } from './db.js';

export interface KeyRecord {
  id: string;
  tenant: string;
  scopes: KeyScope[];
}

export interface NewKey {
  id: string;
  hash: string;
  tenant: string;
  name: string | undefined;
  scopes: KeyScope[];
  createdAt: string;
  expiresAt: string | undefined;
}

interface Row {
  id: string;
  tenant: string;
  name: string | null;
  scopes: string;
  created_at: string;
  expires_at: string | null;
  revoked_at: string | null;
}

function infoOf(r: Row): KeyInfo {
  const info: KeyInfo = {
    id: r.id,
    tenant: r.tenant,
    scopes: JSON.parse(r.scopes) as KeyScope[],
    createdAt: r.created_at,
    revoked: r.revoked_at !== null,
  };
  if (r.name !== null) info.name = r.name;
  if (r.expires_at !== null) info.expiresAt = r.expires_at;
  return info;
}

export class KeyStore {
  constructor(private readonly db: Db) {}

  count(): number {
    return this.db.prepare('SELECT COUNT(*) FROM api_keys').pluck().get() as number;
  }

  add(k: NewKey): KeyInfo {
    this.db
      .prepare(
        `INSERT INTO api_keys (id, hash, tenant, name, scopes, created_at, expires_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        k.id,
        k.hash,
        k.tenant,
        k.name ?? null,
        JSON.stringify(k.scopes),
        k.createdAt,
        k.expiresAt ?? null,
      );
    return this.get(k.id) as KeyInfo;
  }

  get(id: string): KeyInfo | undefined {
    const row = this.db.prepare('SELECT * FROM api_keys WHERE id = ?').get(id) as Row | undefined;
    return row && infoOf(row);
  }

  list(): KeyInfo[] {
    return (this.db.prepare('SELECT * FROM api_keys ORDER BY created_at, id').all() as Row[]).map(
      infoOf,
    );
  }

  /** Idempotent; false when there is no such key. */
  revoke(id: string, at: string): boolean {
    const r = this.db
      .prepare('UPDATE api_keys SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ?')
      .run(at, id);
    return r.changes > 0;
  }

  /** The live key with this hash: not revoked, not expired at `now`. */
  findByHash(hash: string, now: string): KeyRecord | undefined {
    const row = this.db
      .prepare(
        `SELECT id, tenant, scopes FROM api_keys
         WHERE hash = ? AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > ?)`,
      )
      .get(hash, now) as { id: string; tenant: string; scopes: string } | undefined;
    return row && { id: row.id, tenant: row.tenant, scopes: JSON.parse(row.scopes) as KeyScope[] };
  }
}
