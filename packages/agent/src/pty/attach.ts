/**
 * `POST /pty/attach?session=&cols=&rows=` with `Upgrade: paddock-pty`: after the 101 the socket
 * carries length-prefixed frames both ways (protocol/pty.ts). An upgrade rather than a chunked
 * request keeps a terminal that stays open for hours clear of the server's request timeouts.
 * Failures before the 101 are ordinary JSON error replies.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import {
  AGENT_AUTH_HEADER,
  AGENT_PTY_ROUTE,
  AGENT_PTY_UPGRADE,
  FRAME_CONTROL,
  FrameDecoder,
  PaddockError,
  encodeControl,
  encodeData,
  parseControl,
  parsePtyAttach,
  ptyClientControlSchema,
  type PtyAttach,
  type PtyFrame,
  validOrThrow,
} from '@paddock/protocol';
import { describe, log } from '../log.js';
import type { SessionContext } from '../sessions/registry.js';
import { ptysOf } from './table.js';
import type { PtyClient, Terminal } from './terminal.js';

/** A client this far behind is dropped; it may reattach and get the ring replayed. */
const MAX_CLIENT_BACKLOG = 1024 * 1024;

export type UpgradeHandler = (req: IncomingMessage, socket: Duplex, head: Buffer) => void;

export function ptyUpgradeHandler(
  ctx: SessionContext,
  authorized: (header: string | undefined) => boolean,
): UpgradeHandler {
  return (req, socket, head) => {
    socket.on('error', () => socket.destroy());
    try {
      const attach = checkRequest(req, authorized);
      const terminal = ptysOf(ctx).open(attach);
      socket.write(
        `HTTP/1.1 101 Switching Protocols\r\nUpgrade: ${AGENT_PTY_UPGRADE}\r\nConnection: Upgrade\r\n\r\n`,
      );
      relay(terminal, socket, head);
    } catch (err) {
      refuse(socket, err);
    }
  };
}

function checkRequest(
  req: IncomingMessage,
  authorized: (header: string | undefined) => boolean,
): PtyAttach {
  if (!authorized(req.headers[AGENT_AUTH_HEADER])) {
    throw new PaddockError('UNAUTHORIZED', 'missing or wrong agent token');
  }
  const url = new URL(req.url ?? '/', 'http://agent');
  if (url.pathname !== AGENT_PTY_ROUTE || req.headers.upgrade !== AGENT_PTY_UPGRADE) {
    throw new PaddockError('ROUTE_NOT_FOUND', `no upgrade route ${url.pathname}`);
  }
  if (req.method !== 'POST') {
    throw new PaddockError('METHOD_NOT_ALLOWED', `${AGENT_PTY_ROUTE} accepts POST only`);
  }
  return validOrThrow(parsePtyAttach((name) => url.searchParams.get(name)));
}

function refuse(socket: Duplex, err: unknown): void {
  const known = err instanceof PaddockError;
  if (!known) log(`pty attach failed: ${describe(err)}`);
  const e = known ? err : new PaddockError('INTERNAL_ERROR', 'terminal failed to start');
  const body = JSON.stringify(e.toBody());
  socket.end(
    `HTTP/1.1 ${e.status} Error\r\nContent-Type: application/json\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

function relay(terminal: Terminal, socket: Duplex, head: Buffer): void {
  const client: PtyClient = {
    data: (bytes) => {
      if (socket.writableLength > MAX_CLIENT_BACKLOG) socket.destroy();
      else for (const frame of encodeData(bytes)) socket.write(frame);
    },
    control: (message) => {
      socket.write(encodeControl(message));
      if (message.type !== 'ready') socket.end();
    },
  };
  const decoder = new FrameDecoder();
  const onChunk = (chunk: Buffer): void => {
    try {
      for (const frame of decoder.push(chunk)) apply(terminal, frame);
    } catch (err) {
      client.control({ type: 'error', message: `bad frame: ${describe(err)}`.slice(0, 1024) });
      terminal.detach(client);
    }
  };
  socket.on('close', () => terminal.detach(client));
  terminal.attach(client);
  socket.on('data', onChunk);
  if (head.length > 0) onChunk(head);
}

function apply(terminal: Terminal, frame: PtyFrame): void {
  if (frame.kind !== FRAME_CONTROL) {
    terminal.write(frame.payload);
    return;
  }
  const r = parseControl(ptyClientControlSchema, Buffer.from(frame.payload).toString('utf8'));
  if (!r.ok) throw new Error(`${r.issue.path} ${r.issue.message}`);
  terminal.resize(r.value.cols, r.value.rows);
}
