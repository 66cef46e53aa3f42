/**
 * The HTTP API server: authenticates, matches the route, validates path and body, calls the
 * handler and maps every error to `{ code, message }` with the registry's status.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex, Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { PaddockError, parse, scopeAllows, validOrThrow } from '@paddock/protocol';
import { checkParams } from './params.js';
import { authenticate } from '../auth/api-keys.js';
import type { RateLimiter } from '../auth/rate-limit.js';
import type { Logger } from '../log.js';
import type { KeyStore } from '../store/keys.js';
import { readJsonBody, sendJson } from './body.js';
import { sendSse } from './sse.js';
import { matchRoute, requiredScope, type Route } from './route.js';

export interface ApiServerDeps {
  routes: readonly Route[];
  keys: KeyStore;
  log: Logger;
  maxBodyBytes: number;
  /** Interval of SSE comment heartbeats, so idle streams are seen alive by clients and proxies. */
  heartbeatMs: number;
  /** WebSocket routes (the terminal); without it, Node drops upgrade requests. */
  onUpgrade?: (req: IncomingMessage, socket: Duplex, head: Buffer) => void;
  /** Per-key request limits; none when undefined. */
  rateLimiter?: RateLimiter;
  /** Connections one client address may hold at once (default DEFAULT_MAX_CONNECTIONS_PER_IP). */
  maxConnectionsPerIp?: number;
}

/** Enough for any honest client's pool; a slowloris from one address cannot take every fd. */
export const DEFAULT_MAX_CONNECTIONS_PER_IP = 256;

export function createApiServer(deps: ApiServerDeps): Server {
  const server = createServer((req, res) => {
    const started = Date.now();
    handle(deps, req, res)
      .catch((err: unknown) => sendError(deps.log, req, res, err))
      .finally(() => {
        deps.log.info('request', {
          method: req.method,
          path: (req.url ?? '').split('?')[0],
          status: res.statusCode,
          ms: Date.now() - started,
        });
      });
  });
  // Slow clients may not hold sockets forever; commands may run long, so no request timeout.
  server.headersTimeout = 30_000;
  server.requestTimeout = 0;
  // Longer than clients keep idle sockets, so a client never reuses one the server just closed.
  server.keepAliveTimeout = 65_000;
  capConnectionsPerIp(server, deps.maxConnectionsPerIp ?? DEFAULT_MAX_CONNECTIONS_PER_IP);
  if (deps.onUpgrade) server.on('upgrade', deps.onUpgrade);
  return server;
}

/** Closes, at accept, any connection over `max` open ones from the same address. */
export function capConnectionsPerIp(server: Server, max: number): void {
  const open = new Map<string, number>();
  server.on('connection', (socket: Socket) => {
    const ip = socket.remoteAddress ?? '';
    const count = (open.get(ip) ?? 0) + 1;
    if (count > max) {
      socket.destroy();
      return;
    }
    open.set(ip, count);
    socket.once('close', () => {
      const left = (open.get(ip) ?? 1) - 1;
      if (left > 0) open.set(ip, left);
      else open.delete(ip);
    });
  });
}

async function handle(
  deps: ApiServerDeps,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const path = new URL(req.url ?? '/', 'http://localhost').pathname;
  const match = matchRoute(deps.routes, req.method ?? 'GET', path);
  if (match === undefined)
    throw new PaddockError('ROUTE_NOT_FOUND', `No route ${req.method} ${path}`);
  if (match === 'methodMismatch') {
    throw new PaddockError('METHOD_NOT_ALLOWED', `${req.method} is not allowed on ${path}`);
  }
  const tenant = tenantOf(deps, match.route, req);
  checkParams(match.params);
  const body = match.route.rawBody ? undefined : await readBody(deps, match.route, req);
  const abort = new AbortController();
  res.once('close', () => abort.abort());
  const query = new URL(req.url ?? '/', 'http://localhost').searchParams;
  const raw = match.route.rawBody ? req : undefined;
  const ctx = { tenant, params: match.params, body, signal: abort.signal, query, raw };
  const result = await match.route.handle(ctx);
  if (match.route.stream === 'sse') {
    await sendSse(res, result as AsyncIterable<{ type: string }>, deps.heartbeatMs, abort.signal);
  } else if (match.route.stream === 'bytes') {
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'cache-control': 'no-store' });
    await pipeline(result as Readable, res);
  } else {
    sendJson(res, match.route.status ?? 200, result);
  }
}

function tenantOf(deps: ApiServerDeps, route: Route, req: IncomingMessage): string {
  if (!route.auth) return '';
  const key = authenticate(deps.keys, req.headers.authorization);
  if (!key) {
    const why = req.headers.authorization
      ? 'The API key is not valid (unknown, revoked or expired)'
      : 'No API key was sent';
    throw new PaddockError('UNAUTHORIZED', why);
  }
  const wait = deps.rateLimiter?.take(key.id) ?? 0;
  if (wait > 0) {
    throw new PaddockError('RATE_LIMITED', `Too many requests with this key`, { retryAfter: wait });
  }
  const needed = requiredScope(route);
  if (!scopeAllows(key.scopes, needed)) {
    throw new PaddockError(
      'FORBIDDEN',
      `This key's scopes (${key.scopes.join(', ')}) do not include '${needed}'`,
    );
  }
  return key.tenant;
}

async function readBody(deps: ApiServerDeps, route: Route, req: IncomingMessage): Promise<unknown> {
  if (!route.body) return undefined;
  const raw = await readJsonBody(req, deps.maxBodyBytes);
  return validOrThrow(parse(route.body, raw, 'body'));
}

function sendError(log: Logger, req: IncomingMessage, res: ServerResponse, err: unknown): void {
  const known = err instanceof PaddockError;
  const error = known ? err : new PaddockError('INTERNAL_ERROR', 'Internal error');
  if (!known) log.error('unhandled error', { path: req.url, error: String(err) });
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const retryAfter = error.details?.['retryAfter'];
  if (error.code === 'RATE_LIMITED' && typeof retryAfter === 'number') {
    res.setHeader('retry-after', String(retryAfter));
  }
  if (error.code === 'PAYLOAD_TOO_LARGE' || error.code === 'UNSUPPORTED_MEDIA_TYPE') {
    // The rest of the body is not read; close rather than drain it.
    res.setHeader('connection', 'close');
    res.once('finish', () => req.destroy());
  }
  sendJson(res, error.status, error.toBody());
}
