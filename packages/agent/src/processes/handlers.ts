/** The agent operations of background processes, for the server's HANDLERS table. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { processRefSchema, type AgentReply, type AgentRequest } from '@paddock/protocol';
import { readJson } from '../http.js';
import { streamLogs } from './log-stream.js';
import { waitForPort } from './port-wait.js';
import type { ProcessTable } from './table.js';

export type ProcessOpName =
  | 'startProcess'
  | 'listProcesses'
  | 'getProcess'
  | 'killProcess'
  | 'killAllProcesses'
  | 'getProcessLogs'
  | 'waitForPort';

interface HasProcesses {
  processes: ProcessTable;
}

type Handlers<C> = {
  [K in ProcessOpName]: (
    request: AgentRequest<K>,
    ctx: C,
    signal: AbortSignal,
  ) => Promise<AgentReply<K>>;
};

export function processHandlers<C extends HasProcesses>(): Handlers<C> {
  return {
    startProcess: async (r, ctx) => (await ctx.processes.start(r)).info(),
    listProcesses: (_r, ctx) =>
      Promise.resolve({ processes: ctx.processes.list().map((p) => p.info()) }),
    getProcess: (r, ctx) => Promise.resolve(ctx.processes.get(r.processId).info()),
    killProcess: async (r, ctx) => (await ctx.processes.kill(r.processId, r.signal)).info(),
    killAllProcesses: async (r, ctx) => ({ killed: await ctx.processes.killAll(r.signal) }),
    getProcessLogs: (r, ctx) => Promise.resolve(ctx.processes.get(r.processId).logs()),
    waitForPort: (r, ctx, signal) => waitForPort(ctx.processes.get(r.processId), r, signal),
  };
}

/** The NDJSON log stream route; an unknown process is an ordinary error reply. */
export async function processLogStream(
  ctx: HasProcesses & { maxBodyBytes: number },
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const { processId } = await readJson(req, processRefSchema, ctx.maxBodyBytes);
  await streamLogs(ctx.processes.get(processId), res);
}
