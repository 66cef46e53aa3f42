/**
 * The terminal: one PTY per session, shared by every attached client.
 *
 * Client <-> daemon is a WebSocket (binary frames = terminal bytes, text frames = control JSON).
 * Daemon <-> agent is one long-lived HTTP exchange per attached client whose request and response
 * bodies both carry length-prefixed frames: a kind byte, a 4-byte big-endian length, the payload.
 * The daemon reads agent frames as hostile input, so frames are bounded and control is validated.
 */
import { sessionIdSchema } from './sessions.js';
import { int, literal, object, optional, parse, string, tagged } from './schema.js';
import type { Infer, Parsed, Schema } from './schema.js';

/** The agent's attach route (`POST`, query `session`, `cols`, `rows`). */
export const AGENT_PTY_ROUTE = '/pty/attach';
/** The `Upgrade` token of that route: after the 101 the socket carries frames both ways. */
export const AGENT_PTY_UPGRADE = 'paddock-pty';
/** Output kept per PTY and replayed to a client that (re)attaches. */
export const PTY_RING_BYTES = 256 * 1024;
/** Largest payload of one frame, either direction. */
export const MAX_PTY_FRAME_BYTES = 64 * 1024;
/** Largest control message (JSON), either direction. */
export const MAX_PTY_CONTROL_BYTES = 4096;
export const PTY_TERM = 'xterm-256color';
/** A WebSocket subprotocol `paddock.key.<key>` carries the API key for browsers. */
export const PTY_KEY_PROTOCOL_PREFIX = 'paddock.key.';

export const FRAME_DATA = 0;
export const FRAME_CONTROL = 1;
export type FrameKind = typeof FRAME_DATA | typeof FRAME_CONTROL;
const HEADER_BYTES = 5;

const cols = int({ min: 1, max: 1000, description: 'Terminal width in columns.' });
const rows = int({ min: 1, max: 1000, description: 'Terminal height in rows.' });

/** Client (and daemon) to PTY. */
export const ptyClientControlSchema = tagged('type', {
  resize: object({ type: literal('resize'), cols, rows }),
});
export type PtyClientControl = Infer<typeof ptyClientControlSchema>;

/** PTY to clients. `code` is the shell's status, 128+n when killed by signal n. */
export const ptyServerControlSchema = tagged('type', {
  ready: object({ type: literal('ready') }),
  exit: object({
    type: literal('exit'),
    code: int({ min: 0, max: 255 }),
    signal: optional(string({ maxLength: 16, pattern: /^SIG[A-Z0-9]+$/ })),
  }),
  error: object({ type: literal('error'), message: string({ maxLength: 1024 }) }),
});
export type PtyServerControl = Infer<typeof ptyServerControlSchema>;

export interface PtyAttach {
  sessionId?: string;
  cols: number;
  rows: number;
}

const attachSchema = object({ sessionId: optional(sessionIdSchema), cols, rows });

/** Parse `session`, `cols`, `rows` (defaults 80x24) from a query string's getter. */
export function parsePtyAttach(get: (name: string) => string | null): Parsed<PtyAttach> {
  const num = (name: string, dflt: number): unknown => {
    const v = get(name);
    return v === null || v === '' ? dflt : /^\d{1,6}$/.test(v) ? Number(v) : v;
  };
  return parse(
    attachSchema,
    { sessionId: get('session') || null, cols: num('cols', 80), rows: num('rows', 24) },
    'query',
  );
}

/** Parse and validate one control message's JSON. */
export function parseControl<T>(schema: Schema<T>, text: string): Parsed<T> {
  if (text.length > MAX_PTY_CONTROL_BYTES) {
    return { ok: false, issue: { path: 'control', message: 'is too long' } };
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, issue: { path: 'control', message: 'is not JSON' } };
  }
  return parse(schema, json, 'control');
}

export interface PtyFrame {
  kind: FrameKind;
  payload: Uint8Array;
}

export class PtyFrameError extends Error {}

export function encodeFrame(kind: FrameKind, payload: Uint8Array): Uint8Array {
  if (payload.length > MAX_PTY_FRAME_BYTES) {
    throw new PtyFrameError(`frame payload over ${MAX_PTY_FRAME_BYTES} bytes`);
  }
  const out = new Uint8Array(HEADER_BYTES + payload.length);
  out[0] = kind;
  new DataView(out.buffer).setUint32(1, payload.length);
  out.set(payload, HEADER_BYTES);
  return out;
}

/** Data frames for any number of bytes, split at the frame size limit. */
export function encodeData(bytes: Uint8Array): Uint8Array[] {
  const frames: Uint8Array[] = [];
  for (let at = 0; at < bytes.length; at += MAX_PTY_FRAME_BYTES) {
    frames.push(encodeFrame(FRAME_DATA, bytes.subarray(at, at + MAX_PTY_FRAME_BYTES)));
  }
  return frames;
}

export function encodeControl(message: PtyClientControl | PtyServerControl): Uint8Array {
  return encodeFrame(FRAME_CONTROL, new TextEncoder().encode(JSON.stringify(message)));
}

/**
 * Incremental decoder for a byte stream of frames. Throws PtyFrameError on an unknown kind or an
 * oversized length, before buffering the payload, so a hostile peer cannot make it grow.
 */
export class FrameDecoder {
  #buf: Uint8Array = new Uint8Array(0);

  push(chunk: Uint8Array): PtyFrame[] {
    this.#buf = this.#buf.length === 0 ? chunk : concat(this.#buf, chunk);
    const frames: PtyFrame[] = [];
    for (;;) {
      const frame = this.#next();
      if (!frame) return frames;
      frames.push(frame);
    }
  }

  /** Bytes of an incomplete frame still held. */
  get pending(): number {
    return this.#buf.length;
  }

  #next(): PtyFrame | undefined {
    if (this.#buf.length < HEADER_BYTES) return undefined;
    const kind = this.#buf[0];
    if (kind !== FRAME_DATA && kind !== FRAME_CONTROL) {
      throw new PtyFrameError(`unknown frame kind ${String(kind)}`);
    }
    const view = new DataView(this.#buf.buffer, this.#buf.byteOffset, this.#buf.byteLength);
    const length = view.getUint32(1);
    const limit = kind === FRAME_CONTROL ? MAX_PTY_CONTROL_BYTES : MAX_PTY_FRAME_BYTES;
    if (length > limit) throw new PtyFrameError(`frame of ${length} bytes over ${limit}`);
    if (this.#buf.length < HEADER_BYTES + length) return undefined;
    const payload = this.#buf.slice(HEADER_BYTES, HEADER_BYTES + length);
    this.#buf = this.#buf.subarray(HEADER_BYTES + length);
    return { kind, payload };
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
