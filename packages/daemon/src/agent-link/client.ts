/**
 * The host side of the agent channel. The agent runs beside hostile code, so every reply is
 * bounded in size, parsed against the protocol schema, and only a fixed set of error codes is
 * passed on; anything else is AGENT_PROTOCOL_ERROR.
 */
import { Agent, request, type IncomingMessage } from 'node:http';
import {
  AGENT_OPS,
  AGENT_ROUTES,
  DEFAULT_GIT_TIMEOUT_MS,
  MAX_JSON_BODY_BYTES,
  PaddockError,
  agentHealthSchema,
  isErrorCode,
  parse,
  type AgentHealth,
  type AgentOpName,
  type AgentReply,
  type AgentRequest,
  type ErrorCode,
  type ExecRequest,
  type Schema,
} from '@paddock/protocol';
import type { AgentEndpoint } from '../backends/backend.js';

/** Codes an agent may report; they describe the user's command or file, nothing more. */
export const AGENT_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'VALIDATION_FAILED',
  'INVALID_JSON',
  'PAYLOAD_TOO_LARGE',
  'COMMAND_TIMEOUT',
  'FILE_NOT_FOUND',
  'FILE_EXISTS',
  'IS_DIRECTORY',
  'NOT_DIRECTORY',
  'PERMISSION_DENIED',
  'NO_SPACE',
  'FILE_TOO_LARGE',
  'FILESYSTEM_ERROR',
  'PROCESS_NOT_FOUND',
  'PROCESS_ALREADY_EXISTS',
  'PROCESS_LIMIT_REACHED',
  'PROCESS_READY_TIMEOUT',
  'PROCESS_EXITED_BEFORE_READY',
  'PROCESS_LOG_OVERFLOW',
  'SESSION_NOT_FOUND',
  'SESSION_ALREADY_EXISTS',
  'CONTEXT_NOT_FOUND',
  'CONTEXT_DEAD',
  'CONTEXT_LIMIT_REACHED',
  'INTERPRETER_NOT_READY',
  'CODE_EXECUTION_TIMEOUT',
  'INVALID_GIT_URL',
  'GIT_REPOSITORY_NOT_FOUND',
  'GIT_BRANCH_NOT_FOUND',
  'GIT_AUTH_FAILED',
  'GIT_NETWORK_ERROR',
  'GIT_CLONE_FAILED',
]);

const MAX_REPLY_BYTES = MAX_JSON_BODY_BYTES * 2;
export const httpAgent = new Agent({ keepAlive: true, maxSockets: 64 });

export interface AgentClient {
  health(timeoutMs: number): Promise<AgentHealth>;
  call<K extends AgentOpName>(op: K, req: AgentRequest<K>): Promise<AgentReply<K>>;
}

export function agentClient(ep: AgentEndpoint): AgentClient {
  return {
    health: (timeoutMs) =>
      callAgent(ep, {
        method: 'GET',
        path: AGENT_ROUTES.health,
        schema: agentHealthSchema,
        body: undefined,
        timeoutMs,
      }),
    call: (op, req) =>
      callAgent(ep, {
        method: 'POST',
        path: AGENT_OPS[op].path,
        schema: AGENT_OPS[op].reply as Schema<AgentReply<typeof op>>,
        body: req,
        timeoutMs: timeoutOf(op, req),
      }),
  };
}

/** A command gets its own timeout plus slack (no socket timeout without one); files 5 minutes. */
function timeoutOf(op: AgentOpName, req: unknown): number {
  // A port wait polls inside the sandbox for as long as it was told to (default 60 s).
  if (op === 'waitForPort') return ((req as { timeout?: number }).timeout ?? 60_000) + 30_000;
  if (op === 'gitCheckout') {
    return ((req as { timeout?: number }).timeout ?? DEFAULT_GIT_TIMEOUT_MS) + 30_000;
  }
  if (op !== 'exec' && op !== 'sessionExec') return 300_000;
  const timeout = (req as ExecRequest).timeout;
  return timeout ? timeout + 30_000 : 0;
}

interface Call<T> {
  method: string;
  path: string;
  schema: Schema<T>;
  body: unknown;
  timeoutMs: number | undefined;
}

async function callAgent<T>(ep: AgentEndpoint, c: Call<T>): Promise<T> {
  const { status, text } = await send(ep, c);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw protocolError('reply is not JSON');
  }
  if (status === 200) {
    const parsed = parse(c.schema, json, 'reply');
    if (!parsed.ok) throw protocolError(`${parsed.issue.path} ${parsed.issue.message}`);
    return parsed.value;
  }
  throw agentError(json);
}

export function agentError(json: unknown): PaddockError {
  const body = json as { code?: unknown; message?: unknown; details?: unknown };
  if (!isErrorCode(body.code) || !AGENT_CODES.has(body.code) || typeof body.message !== 'string') {
    return protocolError('error reply without a known code');
  }
  const message = body.message.slice(0, 4096);
  return new PaddockError(body.code, message, timeoutDetails(body.code, body.details));
}

function timeoutDetails(code: ErrorCode, details: unknown): Record<string, unknown> | undefined {
  if (code !== 'COMMAND_TIMEOUT' || typeof details !== 'object' || details === null)
    return undefined;
  const d = details as Record<string, unknown>;
  return {
    stdout: typeof d['stdout'] === 'string' ? d['stdout'] : '',
    stderr: typeof d['stderr'] === 'string' ? d['stderr'] : '',
    duration: typeof d['duration'] === 'number' ? d['duration'] : 0,
  };
}

export function protocolError(what: string): PaddockError {
  return new PaddockError('AGENT_PROTOCOL_ERROR', `The sandbox agent broke protocol: ${what}`);
}

function send<T>(ep: AgentEndpoint, c: Call<T>): Promise<{ status: number; text: string }> {
  const payload = c.body === undefined ? undefined : Buffer.from(JSON.stringify(c.body));
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: ep.host,
        port: ep.port,
        method: c.method,
        path: c.path,
        agent: httpAgent,
        timeout: c.timeoutMs ?? 0,
        headers: {
          authorization: `Bearer ${ep.token}`,
          ...(payload
            ? { 'content-type': 'application/json', 'content-length': payload.length }
            : {}),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_REPLY_BYTES) {
            res.destroy();
            reject(protocolError(`reply over ${MAX_REPLY_BYTES} bytes`));
            return;
          }
          chunks.push(chunk);
        });
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', (err) => reject(unavailable(err)));
      },
    );
    req.on('timeout', () => req.destroy(new Error('agent did not answer in time')));
    req.on('error', (err) => reject(unavailable(err)));
    req.end(payload);
  });
}

export function unavailable(err: Error): PaddockError {
  return new PaddockError(
    'SANDBOX_UNAVAILABLE',
    `The sandbox agent is unreachable (${err.message})`,
  );
}

/** A small JSON reply read whole, refused past `max` bytes (agent replies are hostile input). */
export async function boundedJson(res: IncomingMessage, max: number): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of res as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > max) throw protocolError('reply over the size limit');
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw protocolError('reply is not JSON');
  }
}
