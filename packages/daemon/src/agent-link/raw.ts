/**
 * Raw file bytes between the daemon and an agent, streamed both ways without buffering: the
 * bytes are the sandbox's own data and pass through unparsed; only the JSON replies around them
 * are bounded and validated.
 */
import { request, type IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  AGENT_ROUTES,
  parse,
  writeFileResultSchema,
  type WriteFileResult,
} from '@paddock/protocol';
import type { AgentEndpoint } from '../backends/backend.js';
import { agentError, httpAgent, protocolError, unavailable, boundedJson } from './client.js';

const MAX_REPLY_BYTES = 64 * 1024;

export async function agentWriteStream(
  ep: AgentEndpoint,
  path: string,
  body: Readable,
  signal: AbortSignal,
): Promise<WriteFileResult> {
  const req = open(
    ep,
    'POST',
    `${AGENT_ROUTES.writeStream}?path=${encodeURIComponent(path)}`,
    signal,
  );
  const replied = response(req);
  // An agent that refuses early (a directory in the way) answers before reading the body: its
  // answer wins over the broken upload. Without an answer, the upload's failure is the error.
  const upload = await pipeline(body, req).then(
    () => undefined,
    (err: unknown) => err,
  );
  if (upload !== undefined) req.destroy();
  const res = await replied;
  const json = await boundedJson(res, MAX_REPLY_BYTES);
  if (res.statusCode !== 200) throw agentError(json);
  const r = parse(writeFileResultSchema, json, 'reply');
  if (!r.ok) throw protocolError(`${r.issue.path} ${r.issue.message}`);
  return r.value;
}

export async function agentReadStream(
  ep: AgentEndpoint,
  path: string,
  signal: AbortSignal,
): Promise<IncomingMessage> {
  const req = open(
    ep,
    'GET',
    `${AGENT_ROUTES.readStream}?path=${encodeURIComponent(path)}`,
    signal,
  );
  req.end();
  const res = await response(req);
  if (res.statusCode !== 200) throw agentError(await boundedJson(res, MAX_REPLY_BYTES));
  return res;
}

function open(ep: AgentEndpoint, method: string, path: string, signal: AbortSignal) {
  return request({
    host: ep.host,
    port: ep.port,
    method,
    path,
    agent: httpAgent,
    signal,
    headers: { authorization: `Bearer ${ep.token}`, 'content-type': 'application/octet-stream' },
  });
}

function response(req: ReturnType<typeof request>): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    req.once('response', resolve);
    req.once('error', (err) => reject(unavailable(err)));
  });
}
