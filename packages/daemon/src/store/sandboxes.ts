/** Sandbox records. Every query is scoped by tenant: a sandbox id alone finds nothing. */
import type {
  BackendName,
  Limits,
  NetworkPolicy,
  SandboxState,
  SleepMode,
  Totals,
} from '@paddock/protocol';
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
  network: NetworkPolicy;
  agentToken: string;
  createdAt: string;
  /** Lifecycle: idle ms before sleeping (none: never), how, whether never, hard deadline. */
  sleepAfterMs: number | undefined;
  sleepMode: SleepMode;
  keepAlive: boolean;
  /** Epoch ms at which the ttl destroys the sandbox. */
  expiresAt: number | undefined;
  /** Epoch ms of the last call that used the sandbox. */
  lastActiveAt: number;
  /** How a sleeping sandbox sleeps (its runtime stopped, or paused). */
  asleepAs: SleepMode | undefined;
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
  network: string;
  agent_token: string;
  created_at: string;
  sleep_after_ms: number | null;
  sleep_mode: string;
  keep_alive: number;
  expires_at: number | null;
  last_active_at: number;
  asleep_as: string | null;
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
    network: JSON.parse(r.network) as NetworkPolicy,
    agentToken: r.agent_token,
    createdAt: r.created_at,
    sleepAfterMs: r.sleep_after_ms ?? undefined,
    sleepMode: r.sleep_mode as SleepMode,
    keepAlive: r.keep_alive === 1,
    expiresAt: r.expires_at ?? undefined,
    lastActiveAt: r.last_active_at,
    asleepAs: (r.asleep_as ?? undefined) as SleepMode | undefined,
  };
}

/** Admits or refuses (throws) a new sandbox given what its tenant already uses. */
export type Admit = (used: Totals) => void;

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
   * Reserve an id and the lowest free network slot in one transaction, after `admit` has seen
   * the tenant's usage in that same transaction (so two creates cannot both pass a quota).
   * Returns undefined when the id is taken. Throws when no slot is free, or what admit throws.
   */
  reserve(
    rec: Omit<SandboxRecord, 'slot'>,
    slotLimit: number,
    admit: Admit = () => {},
  ): SandboxRecord | undefined {
    return this.db.transaction(() => {
      if (this.get(rec.tenant, rec.id)) return undefined;
      admit(this.usage(rec.tenant));
      const full = { ...rec, slot: this.lowestFreeSlot(slotLimit) };
      this.db
        .prepare(
          `INSERT INTO sandboxes (tenant, id, name, state, state_reason, backend, slot, limits, env,
             network, agent_token, created_at, sleep_after_ms, sleep_mode, keep_alive, expires_at,
             last_active_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
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
          JSON.stringify(full.network),
          full.agentToken,
          full.createdAt,
          full.sleepAfterMs ?? null,
          full.sleepMode,
          full.keepAlive ? 1 : 0,
          full.expiresAt ?? null,
          full.lastActiveAt,
        );
      return full;
    })();
  }

  /** What a tenant's sandboxes hold, whatever their state. */
  usage(tenant: string): Totals {
    const row = this.db
      .prepare(
        `SELECT COUNT(*) AS n,
                COALESCE(SUM(json_extract(limits, '$.memoryMiB')), 0) AS mem,
                COALESCE(SUM(json_extract(limits, '$.diskMiB')), 0) AS disk
         FROM sandboxes WHERE tenant = ?`,
      )
      .get(tenant) as { n: number; mem: number; disk: number };
    return { sandboxes: row.n, memoryMiB: row.mem, diskMiB: row.disk };
  }

  /** How many sandboxes hold a network slot (every tenant's, and warm-pool members). */
  count(): number {
    return this.db.prepare('SELECT COUNT(*) FROM sandboxes').pluck().get() as number;
  }

  /**
   * Hand a warm-pool member to a tenant in one transaction, after `admit` has seen the tenant's
   * usage (as reserve does): everything the caller asked for changes; its host name, slot,
   * backend and limits (its size class) stay. Undefined when the tenant already has that id or
   * the member is gone.
   */
  claim(
    from: { tenant: string; id: string },
    to: Omit<SandboxRecord, 'slot' | 'name' | 'backend' | 'limits' | 'stateReason' | 'asleepAs'>,
    admit: Admit = () => {},
  ): SandboxRecord | undefined {
    return this.db.transaction(() => {
      if (this.get(to.tenant, to.id)) return undefined;
      admit(this.usage(to.tenant));
      const changed = this.db
        .prepare(
          `UPDATE sandboxes SET tenant = ?, id = ?, env = ?, network = ?, agent_token = ?,
             created_at = ?, state = ?, state_reason = NULL, sleep_after_ms = ?, sleep_mode = ?,
             keep_alive = ?, expires_at = ?, last_active_at = ?, asleep_as = NULL
           WHERE tenant = ? AND id = ? AND state = 'running'`,
        )
        .run(
          to.tenant,
          to.id,
          JSON.stringify(to.env),
          JSON.stringify(to.network),
          to.agentToken,
          to.createdAt,
          to.state,
          to.sleepAfterMs ?? null,
          to.sleepMode,
          to.keepAlive ? 1 : 0,
          to.expiresAt ?? null,
          to.lastActiveAt,
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

  /** Enter or leave sleep: the state and how it sleeps, in one write. */
  setSleep(tenant: string, id: string, state: SandboxState, asleepAs: SleepMode | undefined): void {
    this.db
      .prepare(
        'UPDATE sandboxes SET state = ?, state_reason = NULL, asleep_as = ? WHERE tenant = ? AND id = ?',
      )
      .run(state, asleepAs ?? null, tenant, id);
  }

  touch(tenant: string, id: string, at: number): void {
    this.db
      .prepare('UPDATE sandboxes SET last_active_at = ? WHERE tenant = ? AND id = ?')
      .run(at, tenant, id);
  }

  setLifecycle(
    tenant: string,
    id: string,
    v: { keepAlive: boolean; sleepAfterMs: number | undefined },
  ): void {
    this.db
      .prepare(
        'UPDATE sandboxes SET keep_alive = ?, sleep_after_ms = ? WHERE tenant = ? AND id = ?',
      )
      .run(v.keepAlive ? 1 : 0, v.sleepAfterMs ?? null, tenant, id);
  }

  /** Running sandboxes idle past their sleepAfter at `now` (keepAlive ones never). */
  idle(now: number): SandboxRecord[] {
    const rows = this.db
      .prepare(
        `SELECT * FROM sandboxes WHERE state = 'running' AND keep_alive = 0
           AND sleep_after_ms IS NOT NULL AND last_active_at + sleep_after_ms <= ?`,
      )
      .all(now) as Row[];
    return rows.map(fromRow);
  }

  /** Sandboxes whose ttl has passed at `now`, in any state but being destroyed. */
  expired(now: number): SandboxRecord[] {
    const rows = this.db
      .prepare(
        `SELECT * FROM sandboxes WHERE expires_at IS NOT NULL AND expires_at <= ?
           AND state NOT IN ('stopping', 'creating')`,
      )
      .all(now) as Row[];
    return rows.map(fromRow);
  }

  /** Replaces the sandbox's egress policy. */
  setNetwork(tenant: string, id: string, network: NetworkPolicy): void {
    this.db
      .prepare('UPDATE sandboxes SET network = ? WHERE tenant = ? AND id = ?')
      .run(JSON.stringify(network), tenant, id);
  }

  delete(tenant: string, id: string): void {
    this.db.prepare('DELETE FROM sandboxes WHERE tenant = ? AND id = ?').run(tenant, id);
  }
}
