/**
 * HTTP plumbing: bounded body reading, JSON decoding and JSON replies. Every reply, success or
 * error, is a JSON document with an exact Content-Length.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { PaddockError, parse, type Schema, validOrThrow } from '@paddock/protocol';

const decoder = new TextDecoder('utf-8', { fatal: true });

function tooLarge(limit: number): PaddockError {
  return new PaddockError('PAYLOAD_TOO_LARGE', `request body is over ${limit} bytes`, { limit });
}

/**
 * Reads the whole body, refusing it as soon as it passes `limit` bytes: a declared Content-Length
 * over the limit is refused before reading anything, and a streamed body stops being buffered at
 * the limit (the 413 reply closes the connection, so Node discards the rest).
 */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) {
      reject(tooLarge(limit));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const settle = (err: PaddockError | undefined): void => {
      if (settled) return;
      settled = true;
      if (err) reject(err);
      else resolve(Buffer.concat(chunks, size));
    };
    req.on('data', (chunk: Buffer) => {
      if (settled) return; // past the limit: discard, never buffer
      size += chunk.length;
      if (size > limit) {
        chunks.length = 0;
        settle(tooLarge(limit));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => settle(undefined));
    req.on('error', () => settle(new PaddockError('INVALID_JSON', 'request body was cut off')));
  });
}

/** Decodes a body as strict UTF-8 JSON; anything else is INVALID_JSON. */
export function decodeJson(body: Buffer): unknown {
  if (body.length === 0) throw new PaddockError('INVALID_JSON', 'request body is empty');
  let text: string;
  try {
    text = decoder.decode(body);
  } catch {
    throw new PaddockError('INVALID_JSON', 'request body is not valid UTF-8');
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    const why = err instanceof Error ? err.message : 'parse error';
    throw new PaddockError('INVALID_JSON', `request body is not valid JSON (${why})`);
  }
}

/** Validates a decoded body against a protocol schema; the message names the offending field. */
export function validate<T>(schema: Schema<T>, body: unknown): T {
  return validOrThrow(parse(schema, body, 'body'));
}

/** Reads, decodes and validates a JSON request body in one step. */
export async function readJson<T>(
  req: IncomingMessage,
  schema: Schema<T>,
  limit: number,
): Promise<T> {
  return validate(schema, decodeJson(await readBody(req, limit)));
}

/**
 * Sends a JSON reply. `body` may be pre-serialised (the exec and read routes measure their reply
 * first). A response that is already sent or whose client is gone is left alone.
 */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  if (res.headersSent || res.destroyed) return;
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, {
    ...headers,
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(Buffer.byteLength(text)),
    'cache-control': 'no-store',
  });
  res.end(text);
}

/** Sends an error as its registry status and ErrorBody; anything not a PaddockError is internal. */
export function sendError(
  res: ServerResponse,
  err: unknown,
  headers: Record<string, string> = {},
): void {
  // Mid-stream (a raw file read or an event stream) there is no status left to send: cut it.
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const e =
    err instanceof PaddockError
      ? err
      : new PaddockError('INTERNAL_ERROR', 'the agent failed unexpectedly');
  // A refused body is left unread, so the connection cannot be reused for another request.
  const close: Record<string, string> =
    e.code === 'PAYLOAD_TOO_LARGE' ? { connection: 'close' } : {};
  sendJson(res, e.status, e.toBody(), { ...headers, ...close });
}
