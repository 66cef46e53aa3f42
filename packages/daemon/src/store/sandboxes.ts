/** Sandbox records. Every query is scoped by tenant: a sandbox id alone finds nothing. */
import type { BackendName, Limits, SandboxState } from '@paddock/protocol';
import type { Db } from './db.js';

export interface SandboxRecord {
  tenant: string;
  id: string;
  name: string;
  state: SandboxState;
  stateReason: string | undefined;
  backend: BackendName;
  slot: number;
  limits: Limits;
  env: Record<string, string>;
  agentToken: string;
  createdAt: string;
}

interface Row {
  tenant: string;
  id: string;
  name: string;
  state: string;
  state_reason: string | null;
  backend: string;
  slot: number;
  limits: string;
  env: string;
  agent_token: string;
  created_at: string;
}

function fromRow(r: Row): SandboxRecord {
  return {
    tenant: r.tenant,
    id: r.id,
    name: r.name,
    state: r.state as SandboxState,
    stateReason: r.state_reason ?? undefined,
    backend: r.backend as BackendName,
    slot: r.slot,
    limits: JSON.parse(r.limits) as Limits,
    env: JSON.parse(r.env) as Record<string, string>,
    agentToken: r.agent_token,
    createdAt: r.created_at,
  };
}

export class SandboxStore {
  constructor(private readonly db: Db) {}

  get(tenant: string, id: string): SandboxRecord | undefined {
    const row = this.db
      .prepare('SELECT * FROM sandboxes WHERE tenant = ? AND id = ?')
      .get(tenant, id) as Row | undefined;
    return row && fromRow(row);
  }

  list(tenant: string): SandboxRecord[] {
    const rows = this.db
      .prepare('SELECT * FROM sandboxes WHERE tenant = ? ORDER BY created_at, id')
      .all(tenant) as Row[];
    return rows.map(fromRow);
  }

  all(): SandboxRecord[] {
    return (this.db.prepare('SELECT * FROM sandboxes').all() as Row[]).map(fromRow);
  }

  /**
   * Reserve an id and the lowest free network slot in one transaction; returns undefined when
   * the id is taken. Throws when no slot is free.
   */
  reserve(rec: Omit<SandboxRecord, 'slot'>, slotLimit: number): SandboxRecord | undefined {
    return this.db.transaction(() => {
      if (this.get(rec.tenant, rec.id)) return undefined;
      const slot = this.lowestFreeSlot(slotLimit);
      const full = { ...rec, slot };
      this.db
        .prepare(
          `INSERT INTO sandboxes (tenant, id, name, state, state_reason, backend, slot, limits, env, agent_token, created_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          full.tenant,
          full.id,
          full.name,
          full.state,
          full.stateReason ?? null,
          full.backend,
          full.slot,
          JSON.stringify(full.limits),
          JSON.stringify(full.env),
          full.agentToken,
          full.createdAt,
        );
      return full;
    })();
  }

  /** How many sandboxes hold a network slot (every tenant's, and warm-pool members). */
  count(): number {
    return this.db.prepare('SELECT COUNT(*) FROM sandboxes').pluck().get() as number;
  }

  /**
   * Hand a warm-pool member to a tenant in one transaction: its tenant, id, env, agent token and
   * creation time change, its host name, slot and limits stay. Undefined when the tenant already
   * has that id or the member is gone.
   */
  claim(
    from: { tenant: string; id: string },
    to: Pick<SandboxRecord, 'tenant' | 'id' | 'env' | 'agentToken' | 'createdAt' | 'state'>,
  ): SandboxRecord | undefined {
    return this.db.transaction(() => {
      if (this.get(to.tenant, to.id)) return undefined;
      const changed = this.db
        .prepare(
          `UPDATE sandboxes SET tenant = ?, id = ?, env = ?, agent_token = ?, created_at = ?,
             state = ?, state_reason = NULL
           WHERE tenant = ? AND id = ? AND state = 'running'`,
        )
        .run(
          to.tenant,
          to.id,
          JSON.stringify(to.env),
          to.agentToken,
          to.createdAt,
          to.state,
          from.tenant,
          from.id,
        ).changes;
      return changed === 1 ? this.get(to.tenant, to.id) : undefined;
    })();
  }

  private lowestFreeSlot(limit: number): number {
    const used = this.db
      .prepare('SELECT slot FROM sandboxes ORDER BY slot')
      .pluck()
      .all() as number[];
    let slot = 0;
    for (const u of used) {
      if (u !== slot) break;
      slot++;
    }
    if (slot >= limit) throw new Error('no free network slot');
    return slot;
  }

  setState(tenant: string, id: string, state: SandboxState, reason?: string): void {
    this.db
      .prepare('UPDATE sandboxes SET state = ?, state_reason = ? WHERE tenant = ? AND id = ?')
      .run(state, reason ?? null, tenant, id);
  }

  /** Replaces the sandbox's environment (sandbox-level setEnvVars). */
  setEnv(tenant: string, id: string, env: Record<string, string>): void {
    this.db
      .prepare('UPDATE sandboxes SET env = ? WHERE tenant = ? AND id = ?')
      .run(JSON.stringify(env), tenant, id);
  }

  delete(tenant: string, id: string): void {
    this.db.prepare('DELETE FROM sandboxes WHERE tenant = ? AND id = ?').run(tenant, id);
  }
}
