/** API keys, stored as SHA-256 hashes only. */
import type { Db } from './db.js';

export interface KeyRecord {
  id: string;
  tenant: string;
}

export class KeyStore {
  constructor(private readonly db: Db) {}

  count(): number {
    return this.db.prepare('SELECT COUNT(*) FROM api_keys').pluck().get() as number;
  }

  add(id: string, hash: string, tenant: string, createdAt: string): void {
    this.db
      .prepare('INSERT INTO api_keys (id, hash, tenant, created_at) VALUES (?, ?, ?, ?)')
      .run(id, hash, tenant, createdAt);
  }

  findByHash(hash: string): KeyRecord | undefined {
    return this.db.prepare('SELECT id, tenant FROM api_keys WHERE hash = ?').get(hash) as
      KeyRecord | undefined;
  }
}
