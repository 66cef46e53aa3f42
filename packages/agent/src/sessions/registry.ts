/** The sessions of one agent, by id. */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PaddockError, type EnvUpdate, type SessionInfo } from '@paddock/protocol';
import { checkCwd } from '../exec.js';
import { resolveInWorkspace } from '../paths.js';
import { Session } from './session.js';

export interface SessionContext {
  workspaceDir: string;
  outputLimitBytes: number;
  baseEnv: Record<string, string>;
}

export interface CreateSpec {
  id: string;
  env?: Record<string, string> | undefined;
  cwd?: string | undefined;
}

export class SessionRegistry {
  readonly #sessions = new Map<string, Session>();
  /** Ids being created, so two concurrent creates of one id cannot both succeed. */
  readonly #pending = new Set<string>();
  /** Told of each deleted session (its terminal goes with it). */
  readonly #onDelete: ((id: string) => void)[] = [];

  onDelete(listener: (id: string) => void): void {
    this.#onDelete.push(listener);
  }

  async create(spec: CreateSpec, ctx: SessionContext): Promise<SessionInfo> {
    if (this.#sessions.has(spec.id) || this.#pending.has(spec.id)) {
      throw new PaddockError('SESSION_ALREADY_EXISTS', `Session '${spec.id}' already exists`);
    }
    this.#pending.add(spec.id);
    try {
      const cwd = resolveInWorkspace(ctx.workspaceDir, spec.cwd ?? '.');
      await checkCwd(cwd);
      const dir = await mkdtemp(join(tmpdir(), `paddock-session-${spec.id}-`));
      const env = { ...ctx.baseEnv, ...spec.env };
      const session = new Session({
        id: spec.id,
        cwd,
        env,
        dir,
        outputLimitBytes: ctx.outputLimitBytes,
      });
      this.#sessions.set(spec.id, session);
      return { id: spec.id, cwd };
    } finally {
      this.#pending.delete(spec.id);
    }
  }

  get(id: string): Session {
    const session = this.#sessions.get(id);
    if (!session) throw new PaddockError('SESSION_NOT_FOUND', `Session '${id}' does not exist`);
    return session;
  }

  list(): SessionInfo[] {
    return [...this.#sessions.values()].map((s) => ({ id: s.id, cwd: s.cwd }));
  }

  async delete(id: string): Promise<void> {
    const session = this.get(id);
    this.#sessions.delete(id);
    for (const listener of this.#onDelete) listener(id);
    await session.close();
  }

  async setEnv(id: string, update: EnvUpdate): Promise<SessionInfo> {
    const session = this.get(id);
    await session.setEnv(update);
    return { id, cwd: session.cwd };
  }

  async closeAll(): Promise<void> {
    const all = [...this.#sessions.values()];
    this.#sessions.clear();
    await Promise.all(all.map((s) => s.close()));
  }
}
