/**
 * A minimal WebSocket client (RFC 6455) on node:http, because Node 20 has no global WebSocket
 * without a flag and the SDK adds no dependencies. It does what the terminal needs: one upgrade,
 * masked text and binary frames out, unmasked frames in (fragments joined, ping answered), close.
 */
import { createHash, randomBytes } from 'node:crypto';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Socket } from 'node:net';
import { ConnectionError } from './client-errors.js';
import { errorFromBody, isErrorBody, PaddockError } from './errors.js';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
const MAX_MESSAGE_BYTES = 4 * 1024 * 1024;

export interface WsEvents {
  message(data: Buffer, binary: boolean): void;
  close(code: number): void;
}

export interface WsConnection {
  send(data: Uint8Array | string): void;
  close(code?: number): void;
}

export function connectWs(
  url: URL,
  headers: Record<string, string>,
  events: WsEvents,
): Promise<WsConnection> {
  const key = randomBytes(16).toString('base64');
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(url, {
      headers: {
        ...headers,
        connection: 'Upgrade',
        upgrade: 'websocket',
        'sec-websocket-key': key,
        'sec-websocket-version': '13',
      },
    });
    req.on('upgrade', (res: IncomingMessage, socket: Socket, head: Buffer) => {
      const expected = createHash('sha1')
        .update(key + GUID)
        .digest('base64');
      if (res.headers['sec-websocket-accept'] !== expected) {
        socket.destroy();
        reject(
          new ConnectionError(url.origin, undefined, 'The server broke the WebSocket handshake'),
        );
        return;
      }
      resolve(wrap(socket, head, events));
    });
    req.on('response', (res: IncomingMessage) => void refused(res).then(reject));
    req.on('error', (err) => reject(new ConnectionError(url.origin, err)));
    req.end();
  });
}

async function refused(res: IncomingMessage): Promise<Error> {
  let text = '';
  for await (const chunk of res as AsyncIterable<Buffer>) text += chunk.toString('utf8');
  try {
    const body: unknown = JSON.parse(text);
    if (isErrorBody(body)) return errorFromBody(body, res.statusCode);
  } catch {
    // Not an error body: fall through.
  }
  return new PaddockError('INTERNAL_ERROR', `HTTP ${res.statusCode}`, { status: res.statusCode });
}

function wrap(socket: Socket, head: Buffer, events: WsEvents): WsConnection {
  let closed = false;
  const write = (opcode: number, payload: Buffer): void => {
    if (!socket.destroyed) socket.write(frame(opcode, payload));
  };
  const finish = (code: number): void => {
    if (closed) return;
    closed = true;
    socket.end();
    events.close(code);
  };
  const reader = new FrameReader((opcode, payload) => {
    if (opcode === 1 || opcode === 2) events.message(payload, opcode === 2);
    else if (opcode === 9) write(10, payload);
    else if (opcode === 8) {
      write(8, payload.subarray(0, 2));
      finish(payload.length >= 2 ? payload.readUInt16BE(0) : 1005);
    }
  });
  socket.setNoDelay(true);
  socket.on('data', (chunk: Buffer) => {
    if (!reader.push(chunk)) socket.destroy();
  });
  socket.on('close', () => finish(1006));
  socket.on('error', () => socket.destroy());
  if (head.length > 0) socket.emit('data', head);
  return {
    send: (data) =>
      typeof data === 'string' ? write(1, Buffer.from(data)) : write(2, Buffer.from(data)),
    close: (code = 1000) => {
      const payload = Buffer.alloc(2);
      payload.writeUInt16BE(code);
      write(8, payload);
      socket.end();
    },
  };
}

/** One final, masked frame (clients must mask). */
function frame(opcode: number, payload: Buffer): Buffer {
  const len = payload.length;
  const ext = len < 126 ? 0 : len < 65536 ? 2 : 8;
  const out = Buffer.alloc(2 + ext + 4 + len);
  out[0] = 0x80 | opcode;
  out[1] = 0x80 | (ext === 0 ? len : ext === 2 ? 126 : 127);
  if (ext === 2) out.writeUInt16BE(len, 2);
  if (ext === 8) out.writeBigUInt64BE(BigInt(len), 2);
  const mask = randomBytes(4);
  mask.copy(out, 2 + ext);
  for (let i = 0; i < len; i++) out[6 + ext + i] = (payload[i] as number) ^ (mask[i & 3] as number);
  return out;
}

/** Server frames to messages; false on a protocol violation (the caller hangs up). */
class FrameReader {
  #buf = Buffer.alloc(0);
  #parts: Buffer[] = [];
  #partOpcode = 0;

  constructor(private readonly emit: (opcode: number, payload: Buffer) => void) {}

  push(chunk: Buffer): boolean {
    this.#buf = Buffer.concat([this.#buf, chunk]);
    for (;;) {
      if (this.#buf.length < 2) return true;
      const b0 = this.#buf[0] as number;
      const b1 = this.#buf[1] as number;
      if (b1 & 0x80) return false; // servers never mask
      let len = b1 & 0x7f;
      let at = 2;
      if (len === 126) {
        if (this.#buf.length < 4) return true;
        len = this.#buf.readUInt16BE(2);
        at = 4;
      } else if (len === 127) {
        if (this.#buf.length < 10) return true;
        const big = this.#buf.readBigUInt64BE(2);
        if (big > BigInt(MAX_MESSAGE_BYTES)) return false;
        len = Number(big);
        at = 10;
      }
      if (len > MAX_MESSAGE_BYTES) return false;
      if (this.#buf.length < at + len) return true;
      const payload = this.#buf.subarray(at, at + len);
      this.#buf = this.#buf.subarray(at + len);
      if (!this.#frame(b0 & 0x80, b0 & 0x0f, payload)) return false;
    }
  }

  #frame(fin: number, opcode: number, payload: Buffer): boolean {
    if (opcode >= 8) {
      this.emit(opcode, payload);
      return true;
    }
    if (opcode !== 0) this.#partOpcode = opcode;
    this.#parts.push(payload);
    if (this.#parts.reduce((n, p) => n + p.length, 0) > MAX_MESSAGE_BYTES) return false;
    if (!fin) return true;
    this.emit(this.#partOpcode, Buffer.concat(this.#parts));
    this.#parts = [];
    return true;
  }
}
