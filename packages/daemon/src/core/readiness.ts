/** Waiting for a new sandbox's agent to answer its health check. */
import { AGENT_PROTOCOL_VERSION, PaddockError } from '@paddock/protocol';
import type { AgentClient } from '../agent-link/client.js';

const POLL_MS = 10;

export async function waitForAgent(agent: AgentClient, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    try {
      const health = await agent.health(Math.max(100, Math.min(2000, deadline - Date.now())));
      if (health.protocol !== AGENT_PROTOCOL_VERSION) {
        throw new PaddockError('AGENT_PROTOCOL_ERROR', `agent speaks protocol ${health.protocol}`);
      }
      return;
    } catch (err) {
      if (err instanceof PaddockError && err.code === 'AGENT_PROTOCOL_ERROR') throw err;
      last = err instanceof Error ? err.message : String(err);
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
  throw new PaddockError(
    'SANDBOX_UNAVAILABLE',
    `The agent did not answer within ${timeoutMs} ms: ${last}`,
  );
}
