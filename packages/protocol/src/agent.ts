/**
 * The agent channel: the HTTP routes the in-sandbox agent serves to the daemon. Request bodies
 * reuse the public API shapes; the daemon validates every reply against these schemas because
 * the agent runs beside hostile code and may be controlled by it.
 */
import { int, literal, object, string, type Infer } from './schema.js';

export const AGENT_ROUTES = {
  health: '/health',
  exec: '/exec',
  writeFile: '/files/write',
  readFile: '/files/read',
} as const;

/** Header carrying the per-sandbox agent token on every agent request. */
export const AGENT_AUTH_HEADER = 'authorization';

/** Environment variables the daemon hands the agent at start; never passed on to commands. */
export const AGENT_ENV = {
  token: 'PADDOCK_AGENT_TOKEN',
  listen: 'PADDOCK_AGENT_LISTEN',
} as const;

export const agentHealthSchema = object({
  status: literal('ok'),
  protocol: int({ min: 1, max: 1000 }),
  agentVersion: string({ maxLength: 64 }),
});
export type AgentHealth = Infer<typeof agentHealthSchema>;
