import { describe, expect, it } from 'vitest';
import { CappedOutput, fitStreams, utf8Boundary } from './output.js';

describe('CappedOutput', () => {
  it('keeps the first bytes across chunks and reports truncation', () => {
    const out = new CappedOutput(5);
    out.push(Buffer.from('abc'));
    expect(out.truncated).toBe(false);
    out.push(Buffer.from('defg'));
    out.push(Buffer.from('hij'));
    expect(out.text()).toBe('abcde');
    expect(out.truncated).toBe(true);
  });
});

describe('utf8Boundary', () => {
  it('drops only an incomplete trailing sequence', () => {
    const euro = Buffer.from('a€'); // 61 e2 82 ac
    expect(utf8Boundary(euro)).toBe(4);
    expect(utf8Boundary(euro.subarray(0, 3))).toBe(1);
    expect(utf8Boundary(euro.subarray(0, 2))).toBe(1);
    const emoji = Buffer.from('😀'); // 4 bytes
    expect(utf8Boundary(emoji.subarray(0, 3))).toBe(0);
    expect(utf8Boundary(Buffer.from('plain'))).toBe(5);
  });
});

describe('fitStreams', () => {
  it('leaves output that fits alone', () => {
    expect(fitStreams('a', 'b', 100)).toEqual({ stdout: 'a', stderr: 'b', cut: false });
  });

  it('shrinks control-heavy output until its JSON fits, keeping the start', () => {
    const noisy = '\u0001'.repeat(10_000); // 6 bytes each as JSON
    const r = fitStreams(noisy, 'short', 20_000);
    expect(r.cut).toBe(true);
    expect(JSON.stringify(r.stdout).length + JSON.stringify(r.stderr).length).toBeLessThanOrEqual(
      20_000,
    );
    expect(r.stderr).toBe('short');
    expect(noisy.startsWith(r.stdout)).toBe(true);
  });

  it('never splits a surrogate pair', () => {
    const r = fitStreams('😀'.repeat(1000), '', 300);
    expect(r.stdout.length % 2).toBe(0);
    expect(JSON.stringify(r.stdout)).not.toContain('\\ud');
  });
});
