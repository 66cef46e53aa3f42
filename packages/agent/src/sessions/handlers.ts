/** The agent's handlers of the session operations (protocol SESSION_OPS). */
import type { AgentReply, AgentRequest, SESSION_OPS } from '@paddock/protocol';
import { SessionRegistry, type SessionContext } from './registry.js';

type SessionOpName = keyof typeof SESSION_OPS;

type SessionHandler<K extends SessionOpName> = (
  request: AgentRequest<K>,
  ctx: SessionContext,
  signal: AbortSignal,
) => Promise<AgentReply<K>>;

/** One registry per agent server (tests run several servers in one process). */
const registries = new WeakMap<SessionContext, SessionRegistry>();

export function sessionsOf(ctx: SessionContext): SessionRegistry {
  let registry = registries.get(ctx);
  if (!registry) {
    registry = new SessionRegistry();
    registries.set(ctx, registry);
  }
  return registry;
}

export const SESSION_HANDLERS: { [K in SessionOpName]: SessionHandler<K> } = {
  createSession: (r, ctx) => sessionsOf(ctx).create(r, ctx),
  getSession: (r, ctx) => {
    const s = sessionsOf(ctx).get(r.sessionId);
    return Promise.resolve({ id: s.id, cwd: s.cwd });
  },
  listSessions: (_r, ctx) => {
    const sessions = sessionsOf(ctx).list();
    return Promise.resolve({ sessions, count: sessions.length });
  },
  deleteSession: async (r, ctx) => {
    await sessionsOf(ctx).delete(r.sessionId);
    return { id: r.sessionId, deleted: true };
  },
  sessionExec: (r, ctx, signal) => sessionsOf(ctx).get(r.sessionId).exec(r, signal),
  sessionSetEnv: (r, ctx) => sessionsOf(ctx).setEnv(r.sessionId, r.env),
};
