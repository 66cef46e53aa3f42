import { describe, expect, it } from 'vitest';
import {
  FRAME_CONTROL,
  FRAME_DATA,
  FrameDecoder,
  MAX_PTY_CONTROL_BYTES,
  MAX_PTY_FRAME_BYTES,
  PtyFrameError,
  encodeControl,
  encodeData,
  encodeFrame,
  parseControl,
  parsePtyAttach,
  ptyClientControlSchema,
  ptyServerControlSchema,
} from './pty.js';

const bytes = (s: string) => new TextEncoder().encode(s);
const text = (b: Uint8Array) => new TextDecoder().decode(b);

describe('pty framing', () => {
  it('round-trips data and control frames, whatever the chunking', () => {
    const stream = new Uint8Array([
      ...encodeFrame(FRAME_DATA, bytes('hello')),
      ...encodeControl({ type: 'resize', cols: 100, rows: 30 }),
      ...encodeFrame(FRAME_DATA, new Uint8Array(0)),
    ]);
    for (const size of [1, 3, 7, stream.length]) {
      const dec = new FrameDecoder();
      const frames = [];
      for (let i = 0; i < stream.length; i += size) {
        frames.push(...dec.push(stream.subarray(i, i + size)));
      }
      expect(frames.map((f) => [f.kind, text(f.payload)])).toEqual([
        [FRAME_DATA, 'hello'],
        [FRAME_CONTROL, '{"type":"resize","cols":100,"rows":30}'],
        [FRAME_DATA, ''],
      ]);
      expect(dec.pending).toBe(0);
    }
  });

  it('splits large data at the frame limit', () => {
    const frames = encodeData(new Uint8Array(MAX_PTY_FRAME_BYTES * 2 + 1));
    expect(frames.map((f) => f.length - 5)).toEqual([MAX_PTY_FRAME_BYTES, MAX_PTY_FRAME_BYTES, 1]);
  });

  it('refuses oversized payloads on encode', () => {
    expect(() => encodeFrame(FRAME_DATA, new Uint8Array(MAX_PTY_FRAME_BYTES + 1))).toThrow(
      PtyFrameError,
    );
  });

  it('rejects an unknown kind and an oversized length from the header alone', () => {
    expect(() => new FrameDecoder().push(new Uint8Array([9, 0, 0, 0, 0]))).toThrow(/kind 9/);
    const big = new Uint8Array([FRAME_DATA, 0xff, 0xff, 0xff, 0xff]);
    expect(() => new FrameDecoder().push(big)).toThrow(/over/);
    const ctl = new Uint8Array(5);
    ctl[0] = FRAME_CONTROL;
    new DataView(ctl.buffer).setUint32(1, MAX_PTY_CONTROL_BYTES + 1);
    expect(() => new FrameDecoder().push(ctl)).toThrow(/over/);
  });
});

describe('pty control messages', () => {
  it('validates client and server messages', () => {
    expect(parseControl(ptyClientControlSchema, '{"type":"resize","cols":80,"rows":24}').ok).toBe(
      true,
    );
    expect(parseControl(ptyClientControlSchema, '{"type":"resize","cols":0,"rows":24}').ok).toBe(
      false,
    );
    expect(parseControl(ptyClientControlSchema, '{"type":"exit","code":0}').ok).toBe(false);
    expect(parseControl(ptyClientControlSchema, 'nope').ok).toBe(false);
    expect(
      parseControl(ptyServerControlSchema, '{"type":"exit","code":130,"signal":"SIGINT"}'),
    ).toMatchObject({ ok: true, value: { type: 'exit', code: 130, signal: 'SIGINT' } });
    expect(parseControl(ptyServerControlSchema, '{"type":"ready","x":1}').ok).toBe(false);
    expect(parseControl(ptyServerControlSchema, `"${'a'.repeat(MAX_PTY_CONTROL_BYTES)}"`).ok).toBe(
      false,
    );
  });

  it('parses attach queries with defaults and bounds', () => {
    const q = (s: string) => parsePtyAttach((n) => new URLSearchParams(s).get(n));
    expect(q('')).toEqual({ ok: true, value: { cols: 80, rows: 24 } });
    expect(q('session=')).toEqual({ ok: true, value: { cols: 80, rows: 24 } });
    expect(q('session=dev&cols=120&rows=40')).toEqual({
      ok: true,
      value: { sessionId: 'dev', cols: 120, rows: 40 },
    });
    expect(q('cols=abc').ok).toBe(false);
    expect(q('rows=5000').ok).toBe(false);
    expect(q('session=Bad_Id').ok).toBe(false);
  });
});
