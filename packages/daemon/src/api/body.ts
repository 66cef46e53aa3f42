/** Reading request bodies with a size bound, and writing JSON replies. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { PaddockError } from '@paddock/protocol';

export async function readJsonBody(req: IncomingMessage, limit: number): Promise<unknown> {
  checkMediaType(req.headers['content-type']);
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
  let text: string;
  try {
    // Fatal: Buffer#toString would swap invalid bytes for U+FFFD and run a different command.
    text = new TextDecoder('utf-8', { fatal: true }).decode(Buffer.concat(chunks));
  } catch {
    throw new PaddockError('INVALID_JSON', 'The request body is not valid UTF-8');
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new PaddockError('INVALID_JSON', 'The request body is not valid JSON');
  }
}

/**
 * JSON routes take application/json or no content type at all; anything else (a form post, text
 * a browser may send cross-site) is refused before the body is read.
 */
export function checkMediaType(header: string | undefined): void {
  if (header === undefined) return;
  const type = (header.split(';')[0] ?? '').trim().toLowerCase();
  if (type === 'application/json') return;
  throw new PaddockError(
    'UNSUPPORTED_MEDIA_TYPE',
    `The request body is ${type || 'of no type'}; this route takes application/json`,
  );
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
