/**
 * Starting a background process in a session: the session's cwd and env under the call's own;
 * the session's deletion then takes the process along (see the server's wiring).
 */
import type { AgentReply, AgentRequest } from '@paddock/protocol';
import type { SessionRegistry } from '../sessions/registry.js';
import type { ProcessTable } from './table.js';

export async function startProcessIn(
  r: AgentRequest<'startProcess'>,
  processes: ProcessTable,
  sessions: SessionRegistry,
): Promise<AgentReply<'startProcess'>> {
  if (r.sessionId === undefined) return (await processes.start(r)).info();
  const session = sessions.get(r.sessionId); // SESSION_NOT_FOUND for an unknown id
  const req = { ...r, env: { ...session.env, ...r.env }, cwd: r.cwd ?? session.cwd };
  return (await processes.start(req)).info();
}
