/**
 * The host side of a streamed command: the agent's NDJSON lines, each bounded and validated as an
 * ExecEvent. The stream always ends with `complete` or `error`: if the agent goes away first
 * (the sandbox died), the consumer gets an `error`, never a hang and never a made-up `complete`.
 * The same relay serves every NDJSON route of the agent (EventRoute), e.g. a process's logs.
 */
import { request, type IncomingMessage } from 'node:http';
import {
  AGENT_ROUTES,
  MAX_STREAM_LINE_BYTES,
  PaddockError,
  codeEventSchema,
  execEventSchema,
  parse,
  processLogEventSchema,
  watchEventSchema,
  type CodeEvent,
  type ErrorCode,
  type ExecEvent,
  type ExecRequest,
  type ProcessLogEvent,
  type Schema,
  type WatchEvent,
} from '@paddock/protocol';
import type { AgentEndpoint } from '../backends/backend.js';
import {
  AGENT_CODES,
  agentError,
  httpAgent,
  protocolError,
  unavailable,
  boundedJson,
} from './client.js';

const MAX_ERROR_REPLY_BYTES = 64 * 1024;

/** An NDJSON route of the agent: its path, the schema of each line, and its last event. */
export interface EventRoute<E extends StreamEvent> {
  path: string;
  schema: Schema<E>;
  isLast(event: E): boolean;
}

type StreamEvent = { type: string; code?: ErrorCode };

const EXEC_STREAM: EventRoute<ExecEvent> = {
  path: AGENT_ROUTES.execStream,
  schema: execEventSchema,
  isLast: (e) => e.type === 'complete' || e.type === 'error',
};

/** A process's logs: replayed, then live, then `exit` (see protocol processLogEventSchema). */
export const PROCESS_LOG_STREAM: EventRoute<ProcessLogEvent> = {
  path: AGENT_ROUTES.processLogs,
  schema: processLogEventSchema,
  isLast: (e) => e.type === 'exit' || e.type === 'error',
};

/** A directory's changes: `watching`, then events until the reader leaves or an `error`. */
export const WATCH_STREAM: EventRoute<WatchEvent> = {
  path: AGENT_ROUTES.watch,
  schema: watchEventSchema,
  isLast: (e) => e.type === 'error',
};

/** One run of code in a context: output and results, then `complete` or `error`. */
export const CODE_RUN_STREAM: EventRoute<CodeEvent> = {
  path: AGENT_ROUTES.runCode,
  schema: codeEventSchema,
  isLast: (e) => e.type === 'complete' || e.type === 'error',
};

export function agentExecStream(
  ep: AgentEndpoint,
  req: ExecRequest,
  signal: AbortSignal,
): AsyncGenerator<ExecEvent> {
  return agentEventStream(ep, EXEC_STREAM, req, signal);
}

export async function* agentEventStream<E extends StreamEvent>(
  ep: AgentEndpoint,
  route: EventRoute<E>,
  body: unknown,
  signal: AbortSignal,
): AsyncGenerator<E | ErrorEvent> {
  const res = await open(ep, route.path, body, signal);
  if (res.statusCode !== 200) throw agentError(await boundedJson(res, MAX_ERROR_REPLY_BYTES));
  let ended = false;
  try {
    for await (const event of events(res, route.schema)) {
      yield event;
      if (route.isLast(event)) {
        ended = true;
        return;
      }
    }
  } catch (err) {
    if (signal.aborted) return;
    const e = err instanceof Error ? err : new Error(String(err));
    const known =
      e instanceof PaddockError && e.code === 'AGENT_PROTOCOL_ERROR' ? e : unavailable(e);
    yield { type: 'error', code: known.code, message: known.message };
    ended = true;
  } finally {
    if (!ended) res.destroy();
  }
  if (!ended && !signal.aborted) {
    const err = unavailable(new Error('the stream ended before the command did'));
    yield { type: 'error', code: err.code, message: err.message };
  }
}

type ErrorEvent = { type: 'error'; code: ErrorCode; message: string };

async function* events<E extends StreamEvent>(
  res: IncomingMessage,
  schema: Schema<E>,
): AsyncGenerator<E> {
  let buf = '';
  for await (const chunk of res as AsyncIterable<Buffer>) {
    buf += chunk.toString('utf8');
    let nl: number;
    while ((nl = buf.indexOf('\n')) !== -1) {
      yield parseLine(buf.slice(0, nl), schema);
      buf = buf.slice(nl + 1);
    }
    if (buf.length > MAX_STREAM_LINE_BYTES) throw protocolError('stream line over the size limit');
  }
}

function parseLine<E extends StreamEvent>(line: string, schema: Schema<E>): E {
  let json: unknown;
  try {
    json = JSON.parse(line);
  } catch {
    throw protocolError('stream line is not JSON');
  }
  const r = parse(schema, json, 'event');
  if (!r.ok) throw protocolError(`${r.issue.path} ${r.issue.message}`);
  if (r.value.type === 'error' && (!r.value.code || !AGENT_CODES.has(r.value.code))) {
    throw protocolError(`error event with code ${r.value.code}`);
  }
  return r.value;
}

function open(
  ep: AgentEndpoint,
  path: string,
  body: unknown,
  signal: AbortSignal,
): Promise<IncomingMessage> {
  const payload = Buffer.from(JSON.stringify(body));
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: ep.host,
        port: ep.port,
        method: 'POST',
        path,
        agent: httpAgent,
        signal,
        headers: {
          authorization: `Bearer ${ep.token}`,
          'content-type': 'application/json',
          'content-length': payload.length,
        },
      },
      resolve,
    );
    req.on('error', (err) => reject(unavailable(err)));
    req.end(payload);
  });
}
