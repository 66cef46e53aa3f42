import { describe, expect, it } from 'vitest';
import { LineSplitter, MarkerCutter, endMarker, fitResult, parseFrame } from './frames.js';

describe('runner frames', () => {
  it('cuts the run marker out of output split anywhere, holding back a possible prefix', () => {
    const marker = endMarker('abc');
    const whole = `out 1\nout 2${marker}after`;
    for (let cut = 0; cut <= whole.length; cut++) {
      const seen: string[] = [];
      const c = new MarkerCutter((t) => seen.push(t));
      c.expect(marker);
      c.push(whole.slice(0, cut));
      c.push(whole.slice(cut));
      expect(seen.join('')).toBe('out 1\nout 2');
      expect(c.seen).toBe(true);
    }
  });

  it('passes text that only resembles a marker, and drops output between runs', () => {
    const seen: string[] = [];
    const c = new MarkerCutter((t) => seen.push(t));
    c.push('before any run');
    c.expect(endMarker('n1'));
    c.push(`${endMarker('other')} tail`);
    expect(seen.join('')).toBe(`${endMarker('other')} tail`);
    expect(c.seen).toBe(false);
  });

  it('splits lines and refuses one over the limit', () => {
    const lines: (string | undefined)[] = [];
    const s = new LineSplitter(8, (l) => lines.push(l));
    s.push('ab\ncd');
    s.push('0123456789xyz\nok\n');
    expect(lines).toEqual(['ab', undefined, 'ok']);
  });

  it('parses frames and turns anything malformed into `invalid`', () => {
    expect(parseFrame('{"type":"done"}')).toEqual({ type: 'done' });
    expect(parseFrame('{"type":"result","result":{"text":"1"}}')).toEqual({
      type: 'result',
      result: { text: '1' },
    });
    expect(
      parseFrame('{"type":"error","error":{"name":"E","message":"m","traceback":[]}}').type,
    ).toBe('error');
    expect(parseFrame('nope').type).toBe('invalid');
    expect(parseFrame('{"type":"result","result":{"text":5}}').type).toBe('invalid');
    expect(parseFrame('{"type":"shell"}').type).toBe('invalid');
    expect(parseFrame(undefined).type).toBe('invalid');
  });

  it('drops the largest forms until a result fits one stream line', () => {
    const big = 'x'.repeat(1400 * 1024);
    const r = fitResult({ text: 't', png: big, html: big });
    expect(r.text).toBe('t');
    expect(Object.keys(r).filter((k) => k === 'png' || k === 'html')).toHaveLength(1);
    expect(r.truncated).toHaveLength(1);
    expect(JSON.stringify(r).length).toBeLessThan(2 * 1024 * 1024);
  });
});
