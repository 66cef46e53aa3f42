/** The PTYs of one agent: one per session id ('' for the default), created on first attach. */
import { existsSync } from 'node:fs';
import { sessionsOf } from '../sessions/handlers.js';
import type { SessionContext } from '../sessions/registry.js';
import { Terminal } from './terminal.js';

/** How long a PTY with no client attached lives on, so a dropped client can come back. */
export const PTY_IDLE_MS = 5 * 60_000;

export interface OpenSpec {
  sessionId?: string | undefined;
  cols: number;
  rows: number;
}

export class PtyTable {
  readonly #ptys = new Map<string, Terminal>();

  constructor(
    private readonly ctx: SessionContext,
    private readonly idleMs: number,
  ) {
    sessionsOf(ctx).onDelete((id) => this.#kill(id));
  }

  /** The session's PTY, started in its cwd and env (the sandbox's for the default). */
  open(spec: OpenSpec): Terminal {
    const key = spec.sessionId ?? '';
    const existing = this.#ptys.get(key);
    if (existing && !existing.ended) return existing;
    const where = this.#whereOf(spec.sessionId);
    const terminal = new Terminal(
      { ...where, cols: spec.cols, rows: spec.rows, idleMs: this.idleMs },
      () => {
        if (this.#ptys.get(key) === terminal) this.#ptys.delete(key);
      },
    );
    this.#ptys.set(key, terminal);
    return terminal;
  }

  closeAll(): void {
    for (const key of [...this.#ptys.keys()]) this.#kill(key);
  }

  #whereOf(sessionId: string | undefined): { cwd: string; env: Record<string, string> } {
    if (sessionId === undefined) {
      return { cwd: this.#existing(this.ctx.workspaceDir), env: this.ctx.baseEnv };
    }
    const session = sessionsOf(this.ctx).get(sessionId); // SESSION_NOT_FOUND if unknown
    return { cwd: this.#existing(session.cwd), env: session.env };
  }

  /** A deleted cwd would make the spawn fail; the shell starts in / instead. */
  #existing(dir: string): string {
    return existsSync(dir) ? dir : '/';
  }

  #kill(key: string): void {
    const terminal = this.#ptys.get(key);
    this.#ptys.delete(key);
    terminal?.kill();
  }
}

const tables = new WeakMap<SessionContext, PtyTable>();

export function ptysOf(ctx: SessionContext, idleMs = PTY_IDLE_MS): PtyTable {
  let table = tables.get(ctx);
  if (!table) {
    table = new PtyTable(ctx, idleMs);
    tables.set(ctx, table);
  }
  return table;
}
