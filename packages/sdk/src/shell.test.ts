import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { shellQuote } from './shell.js';

/** Let a real shell split the quoted line and print each word it got, bracketed. */
function roundTrip(argv: string[]): string[] {
  const out = execFileSync('/bin/sh', ['-c', `printf '[%s]\\n' ${shellQuote(argv)}`], {
    encoding: 'utf8',
  });
  return [...out.matchAll(/^\[([\s\S]*?)\]$/gm)].map((m) => m[1] ?? '');
}

describe('shellQuote', () => {
  it('leaves plain words bare and quotes the rest', () => {
    expect(shellQuote(['ls', '-la', '/tmp/a.txt'])).toBe('ls -la /tmp/a.txt');
    expect(shellQuote(['echo', 'a b'])).toBe("echo 'a b'");
    expect(shellQuote(['echo', "it's"])).toBe("echo 'it'\\''s'");
    expect(shellQuote(['echo', ''])).toBe("echo ''");
    expect(shellQuote([])).toBe('');
  });

  it('round-trips awkward words through a real shell unchanged', () => {
    const words = [
      "it's",
      'a b',
      '',
      '$HOME',
      '`id`',
      '"q"',
      'x\ny',
      '*',
      ';rm -rf /',
      "'",
      '\\',
      '~',
    ];
    expect(roundTrip(words)).toEqual(words);
  });
});
