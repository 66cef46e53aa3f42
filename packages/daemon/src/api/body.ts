/** Reading request bodies with a size bound, and writing JSON replies. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { PaddockError } from '@paddock/protocol';

export async function readJsonBody(req: IncomingMessage, limit: number): Promise<unknown> {
  const declared = Number(req.headers['content-length'] ?? '0');
  if (declared > limit) throw tooLarge(limit);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw tooLarge(limit);
    chunks.push(chunk);
  }
  if (size === 0) return {};
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
  } catch {
    throw new PaddockError('INVALID_JSON', 'The request body is not valid JSON');
  }
}

function tooLarge(limit: number): PaddockError {
  return new PaddockError('PAYLOAD_TOO_LARGE', `The request body is over the ${limit}-byte limit`);
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
  });
  res.end(text);
}
