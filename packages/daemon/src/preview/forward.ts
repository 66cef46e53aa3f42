/**
 * Moving bytes between a client and a sandbox port: HTTP/1.1 requests streamed both ways (chunked
 * bodies, SSE flushed as they come, redirects passed on unfollowed), and WebSocket upgrades piped
 * as raw sockets once the upgrade request has passed the gate. Never follows anything itself.
 */
import {
  request,
  type IncomingMessage,
  type OutgoingHttpHeaders,
  type ServerResponse,
} from 'node:http';
import { connect } from 'node:net';
import type { Duplex } from 'node:stream';
import { PaddockError } from '@paddock/protocol';
import { responseHeaders } from './headers.js';

export interface Upstream {
  host: string;
  port: number;
  path: string;
  headers: OutgoingHttpHeaders;
}

/** Forward one HTTP request; `fail` answers errors that happen before the response starts. */
export function forwardHttp(
  req: IncomingMessage,
  res: ServerResponse,
  up: Upstream,
  fail: (err: PaddockError) => void,
): void {
  const upReq = request({
    host: up.host,
    port: up.port,
    method: req.method,
    path: up.path,
    headers: up.headers,
    agent: false,
  });
  upReq.on('response', (upRes) => {
    res.writeHead(upRes.statusCode ?? 502, upRes.statusMessage, responseHeaders(upRes.headers));
    // Headers go out at once (an SSE stream may wait long for its first event).
    res.flushHeaders();
    upRes.pipe(res);
    upRes.on('error', () => res.destroy());
  });
  upReq.on('error', () => {
    if (res.headersSent) res.destroy();
    else fail(unreachable(up));
  });
  res.on('close', () => {
    if (!res.writableFinished) upReq.destroy();
  });
  req.pipe(upReq);
}

/** Forward a WebSocket (or any) upgrade: the request head, then raw bytes both ways. */
export function forwardUpgrade(
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  up: Upstream,
  fail: (err: PaddockError) => void,
): void {
  const upSock = connect({ host: up.host, port: up.port });
  let connected = false;
  upSock.once('connect', () => {
    connected = true;
    upSock.write(requestHead(req.method ?? 'GET', up.path, up.headers));
    if (head.length > 0) upSock.write(head);
    socket.pipe(upSock);
    upSock.pipe(socket);
  });
  upSock.on('error', () => {
    if (connected) socket.destroy();
    else fail(unreachable(up));
  });
  upSock.on('close', () => socket.destroy());
  socket.on('close', () => upSock.destroy());
}

/** An HTTP/1.1 request head from validated parts (header values cannot hold CR or LF). */
export function requestHead(method: string, path: string, headers: OutgoingHttpHeaders): string {
  const lines = [`${method} ${path} HTTP/1.1`];
  for (const [name, value] of Object.entries(headers)) {
    for (const v of Array.isArray(value) ? value : [value]) {
      const text = String(v);
      if (!/[\r\n]/.test(text)) lines.push(`${name}: ${text}`);
    }
  }
  return `${lines.join('\r\n')}\r\n\r\n`;
}

function unreachable(up: Upstream): PaddockError {
  return new PaddockError('PREVIEW_UPSTREAM_UNAVAILABLE', `Nothing answered on port ${up.port}`);
}
