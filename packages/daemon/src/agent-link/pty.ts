/**
 * Opening a sandbox's terminal at its agent: `POST /pty/attach` upgraded to a raw socket that
 * carries length-prefixed frames (protocol/pty.ts). What comes back is hostile input; the caller
 * decodes it with the bounded FrameDecoder and validates every control message.
 */
import { request, type IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { AGENT_PTY_ROUTE, AGENT_PTY_UPGRADE, type PtyAttach } from '@paddock/protocol';
import type { AgentEndpoint } from '../backends/backend.js';
import { agentError, boundedJson, unavailable } from './client.js';

const MAX_REFUSAL_BYTES = 64 * 1024;
const OPEN_TIMEOUT_MS = 30_000;

export interface AgentPty {
  socket: Socket;
  /** Bytes the agent sent right after its 101, before `socket` emits any. */
  head: Buffer;
}

export function agentOpenPty(ep: AgentEndpoint, attach: PtyAttach): Promise<AgentPty> {
  const query = new URLSearchParams({ cols: String(attach.cols), rows: String(attach.rows) });
  if (attach.sessionId !== undefined) query.set('session', attach.sessionId);
  return new Promise((resolve, reject) => {
    const req = request({
      host: ep.host,
      port: ep.port,
      method: 'POST',
      path: `${AGENT_PTY_ROUTE}?${query.toString()}`,
      agent: false, // the socket becomes the terminal's; it never returns to a pool
      timeout: OPEN_TIMEOUT_MS,
      headers: {
        authorization: `Bearer ${ep.token}`,
        connection: 'Upgrade',
        upgrade: AGENT_PTY_UPGRADE,
      },
    });
    req.on('upgrade', (_res, socket: Socket, head: Buffer) => {
      socket.setTimeout(0);
      resolve({ socket, head });
    });
    req.on('response', (res) => {
      refusal(res).catch(reject);
    });
    req.on('timeout', () => req.destroy(new Error('agent did not answer in time')));
    req.on('error', (err) => reject(unavailable(err)));
    req.end();
  });
}

/** The agent's JSON error reply, bounded; anything else is a protocol error. */
async function refusal(res: IncomingMessage): Promise<never> {
  throw agentError(await boundedJson(res, MAX_REFUSAL_BYTES));
}
