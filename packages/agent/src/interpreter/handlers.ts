/** The agent's code-context operations and the run stream (NDJSON lines of CodeEvent). */
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  runCodeRequestSchema,
  type AgentReply,
  type AgentRequest,
  type CodeEvent,
} from '@paddock/protocol';
import { readJson } from '../http.js';
import { ContextRegistry, type InterpreterOptions } from './registry.js';

export interface InterpreterContext extends InterpreterOptions {
  maxBodyBytes: number;
}

/** One registry per agent server (tests run several servers in one process). */
const registries = new WeakMap<InterpreterContext, ContextRegistry>();

export function contextsOf(ctx: InterpreterContext): ContextRegistry {
  let registry = registries.get(ctx);
  if (!registry) {
    registry = new ContextRegistry(ctx);
    registries.set(ctx, registry);
  }
  return registry;
}

type Op = 'createCodeContext' | 'listCodeContexts' | 'deleteCodeContext';
type Handler<K extends Op> = (
  r: AgentRequest<K>,
  ctx: InterpreterContext,
) => Promise<AgentReply<K>>;

export const CODE_HANDLERS: { [K in Op]: Handler<K> } = {
  createCodeContext: (r, ctx) => contextsOf(ctx).create(r),
  listCodeContexts: (_r, ctx) => Promise.resolve({ contexts: contextsOf(ctx).list() }),
  deleteCodeContext: (r, ctx) => {
    contextsOf(ctx).delete(r.contextId);
    return Promise.resolve({ id: r.contextId, deleted: true });
  },
};

/** POST /code/run/stream: errors found before the run starts are ordinary error replies. */
export async function runCodeStream(
  ctx: InterpreterContext,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const request = await readJson(req, runCodeRequestSchema, ctx.maxBodyBytes);
  const abort = new AbortController();
  res.once('close', () => {
    if (!res.writableEnded) abort.abort();
  });
  let headersSent = false;
  const sink = {
    emit: (event: CodeEvent) => {
      // A reader that left gets nothing more, and never holds the runner's pipes paused.
      if (res.destroyed) return true;
      if (!headersSent) {
        res.writeHead(200, { 'content-type': 'application/x-ndjson', 'cache-control': 'no-store' });
        headersSent = true;
      }
      return res.write(`${JSON.stringify(event)}\n`);
    },
    drained: (cb: () => void) => res.once('drain', cb),
  };
  await contextsOf(ctx).run(request, sink, abort.signal);
  res.end();
}
