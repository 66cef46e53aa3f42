/**
 * A preview listener: its own HTTP server, separate from the API's, so a page served from a
 * sandbox never shares an origin (or cookies) with the API. Each request names its preview by
 * host (`{port}-{id}-{token}.{domain}`) or by path (`/{id}/{port}/{token}/...`), passes the gate
 * before a byte is forwarded, and is bounded: header size, idle time, connections per preview.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { PREVIEW_COOKIE, PREVIEW_LOGIN_PATH, PaddockError } from '@paddock/protocol';
import type { PreviewGate } from '../core/preview-access.js';
import type { Logger } from '../log.js';
import type { PreviewRecord } from '../store/previews.js';
import { cookieOf, requestHeaders } from './headers.js';
import { forwardHttp, forwardUpgrade } from './forward.js';
import { targetFromHost, targetFromPath, type PreviewTarget } from './target.js';

export interface PreviewServerOptions {
  gate: PreviewGate;
  log: Logger;
  form: 'host' | 'path';
  /** Requests and WebSockets open at once per preview. */
  maxConnectionsPerPreview: number;
  /** A socket idle this long is closed. */
  idleMs: number;
}

export interface PreviewServer {
  server: Server;
  /** Cut every live connection of a revoked preview. */
  revoke(p: PreviewRecord): void;
}

const keyOf = (p: PreviewRecord) => `${p.tenant}/${p.sandboxId}/${p.port}`;

export function createPreviewServer(opts: PreviewServerOptions): PreviewServer {
  const live = new Map<string, Set<Duplex>>();
  const track = (p: PreviewRecord, socket: Duplex, done: Duplex | ServerResponse): void => {
    const key = keyOf(p);
    const set = live.get(key) ?? new Set<Duplex>();
    if (set.size >= opts.maxConnectionsPerPreview) {
      throw new PaddockError(
        'PREVIEW_BUSY',
        `The preview of port ${p.port} is at its connection limit`,
      );
    }
    set.add(socket);
    live.set(key, set);
    done.once('close', () => {
      set.delete(socket);
      if (set.size === 0) live.delete(key);
    });
  };
  const server = createServer({ maxHeaderSize: 16 * 1024 }, (req, res) => {
    try {
      onRequest(opts, req, res, track);
    } catch (err) {
      sendError(opts.log, res, err);
    }
  });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    try {
      onUpgrade(opts, req, socket, head, track);
    } catch (err) {
      refuse(opts.log, socket, err);
    }
  });
  server.headersTimeout = 20_000;
  server.requestTimeout = 0;
  server.keepAliveTimeout = 5_000;
  server.timeout = opts.idleMs;
  server.maxHeadersCount = 100;
  server.maxConnections = 4096;
  const revoke = (p: PreviewRecord) => {
    for (const s of live.get(keyOf(p)) ?? []) s.destroy();
  };
  return { server, revoke };
}

type Track = (p: PreviewRecord, socket: Duplex, done: Duplex | ServerResponse) => void;

function targetOf(opts: PreviewServerOptions, req: IncomingMessage): PreviewTarget {
  const url = req.url ?? '/';
  const t =
    opts.form === 'host'
      ? targetFromHost(req.headers.host, url)
      : targetFromPath(url, req.headers.host);
  if (!t) throw new PaddockError('PREVIEW_NOT_FOUND', 'No such preview');
  return t;
}

function onRequest(
  opts: PreviewServerOptions,
  req: IncomingMessage,
  res: ServerResponse,
  track: Track,
) {
  const target = targetOf(opts, req);
  const path = new URL(target.path, 'http://x').pathname;
  if (path === PREVIEW_LOGIN_PATH) {
    login(opts, target, res);
    return;
  }
  const { preview, upstream } = opts.gate.admit(target, credentialsOf(req));
  track(preview, req.socket, res);
  const headers = requestHeaders(req.headers, forwardContext(req, target, upstream.port, false));
  forwardHttp(req, res, { ...upstream, path: target.path, headers }, (err) =>
    sendError(opts.log, res, err),
  );
}

function onUpgrade(
  opts: PreviewServerOptions,
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  track: Track,
) {
  const target = targetOf(opts, req);
  const { preview, upstream } = opts.gate.admit(target, credentialsOf(req));
  track(preview, socket, socket);
  if (socket instanceof Socket) socket.setTimeout(opts.idleMs, () => socket.destroy());
  const headers = requestHeaders(req.headers, forwardContext(req, target, upstream.port, true));
  forwardUpgrade(req, socket, head, { ...upstream, path: target.path, headers }, (err) =>
    refuse(opts.log, socket, err),
  );
}

function credentialsOf(req: IncomingMessage) {
  return {
    authorization: req.headers.authorization,
    cookie: cookieOf(req.headers.cookie, PREVIEW_COOKIE),
  };
}

function forwardContext(req: IncomingMessage, t: PreviewTarget, port: number, upgrade: boolean) {
  return {
    clientIp: req.socket.remoteAddress ?? '',
    publicHost: t.publicHost,
    upstreamHost: `localhost:${port}`,
    // Host form: `-{token}` leaves the host label; path form: `/{token}` leaves the path.
    redactions: [
      [`-${t.token}`, ''],
      [`/${t.token}`, ''],
      [t.token, ''],
    ] as const,
    upgrade,
  };
}

/** A login URL's signature checked: set the cookie on this preview's host, then go to its root. */
function login(opts: PreviewServerOptions, t: PreviewTarget, res: ServerResponse): void {
  const q = new URL(t.path, 'http://x').searchParams;
  const { cookie, maxAge } = opts.gate.login(t, q.get('exp') ?? '', q.get('sig') ?? '');
  res.writeHead(303, {
    location: t.base,
    'set-cookie': `${PREVIEW_COOKIE}=${cookie}; Path=${t.base}; Max-Age=${maxAge}; HttpOnly; SameSite=Lax`,
    'cache-control': 'no-store',
    'content-length': '0',
  });
  res.end();
}

function sendError(log: Logger, res: ServerResponse, err: unknown): void {
  const e = asPaddockError(log, err);
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = JSON.stringify(e.toBody());
  res.writeHead(e.status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
  });
  res.end(body);
}

function refuse(log: Logger, socket: Duplex, err: unknown): void {
  const e = asPaddockError(log, err);
  const body = JSON.stringify(e.toBody());
  if (socket.destroyed) return;
  socket.end(
    `HTTP/1.1 ${e.status} ${e.code}\r\nContent-Type: application/json\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

function asPaddockError(log: Logger, err: unknown): PaddockError {
  if (err instanceof PaddockError) return err;
  log.error('preview proxy error', { error: String(err) });
  return new PaddockError('INTERNAL_ERROR', 'Internal error');
}
