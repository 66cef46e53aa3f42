/**
 * The daemon's SQLite database (WAL mode, one file in the data directory). Migrations are an
 * ordered list; the applied count lives in `user_version`.
 */
import Database from 'better-sqlite3';

export type Db = Database.Database;

const MIGRATIONS = [
  `CREATE TABLE api_keys (
     id TEXT PRIMARY KEY,
     hash TEXT NOT NULL UNIQUE,
     tenant TEXT NOT NULL,
     created_at TEXT NOT NULL
   );
   CREATE TABLE sandboxes (
     tenant TEXT NOT NULL,
     id TEXT NOT NULL,
     name TEXT NOT NULL UNIQUE,
     state TEXT NOT NULL,
     state_reason TEXT,
     backend TEXT NOT NULL,
     slot INTEGER NOT NULL UNIQUE,
     limits TEXT NOT NULL,
     env TEXT NOT NULL,
     agent_token TEXT NOT NULL,
     created_at TEXT NOT NULL,
     PRIMARY KEY (tenant, id)
   );`,
  // Keys gain a name, scopes, an expiry and revocation; keys made before are admins.
  `ALTER TABLE api_keys ADD COLUMN name TEXT;
   ALTER TABLE api_keys ADD COLUMN scopes TEXT NOT NULL DEFAULT '["admin"]';
   ALTER TABLE api_keys ADD COLUMN expires_at TEXT;
   ALTER TABLE api_keys ADD COLUMN revoked_at TEXT;`,
  // Preview URLs: one row per exposed port; the token only as its SHA-256. Destroying the
  // sandbox deletes its rows (foreign key), which revokes every token it had.
  `CREATE TABLE previews (
     tenant TEXT NOT NULL,
     sandbox_id TEXT NOT NULL,
     port INTEGER NOT NULL,
     name TEXT NOT NULL,
     token_hash TEXT NOT NULL UNIQUE,
     access TEXT NOT NULL,
     expires_at TEXT,
     created_at TEXT NOT NULL,
     PRIMARY KEY (tenant, sandbox_id, port),
     FOREIGN KEY (tenant, sandbox_id) REFERENCES sandboxes (tenant, id) ON DELETE CASCADE
   );
   CREATE INDEX previews_by_sandbox_port ON previews (sandbox_id, port);`,
  // Issue 6 (quotas, lifecycle): lifecycle timers and sleep mode per sandbox (deadlines live
  // here so a restarted daemon re-arms them), quota overrides per tenant.
  `ALTER TABLE sandboxes ADD COLUMN sleep_after_ms INTEGER;
   ALTER TABLE sandboxes ADD COLUMN sleep_mode TEXT NOT NULL DEFAULT 'stop';
   ALTER TABLE sandboxes ADD COLUMN keep_alive INTEGER NOT NULL DEFAULT 0;
   ALTER TABLE sandboxes ADD COLUMN expires_at INTEGER;
   ALTER TABLE sandboxes ADD COLUMN last_active_at INTEGER NOT NULL DEFAULT 0;
   ALTER TABLE sandboxes ADD COLUMN asleep_as TEXT;
   CREATE TABLE tenant_quotas (
     tenant TEXT PRIMARY KEY,
     quota TEXT NOT NULL,
     updated_at TEXT NOT NULL
   );`,
  // Sandboxes gain an egress policy; those made before keep the old behaviour (no egress).
  `ALTER TABLE sandboxes ADD COLUMN network TEXT NOT NULL
     DEFAULT '{"internet":false,"allow":[],"deny":[]}';`,
];

export function openDb(file: string): Db {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  migrate(db);
  return db;
}

function migrate(db: Db): void {
  const applied = db.pragma('user_version', { simple: true }) as number;
  for (let i = applied; i < MIGRATIONS.length; i++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[i] as string);
      db.pragma(`user_version = ${i + 1}`);
    })();
  }
}
