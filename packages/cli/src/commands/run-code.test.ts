import { describe, expect, it } from 'vitest';
import { UsageError } from '../command.js';
import { describeResult, parseRunCodeArgs } from './run-code.js';

describe('run-code', () => {
  it('parses code, language, context and timeout', () => {
    expect(
      parseRunCodeArgs(['box', '-e', 'print(1)', '--lang', 'python', '--timeout', '500']),
    ).toEqual({
      id: 'box',
      code: 'print(1)',
      language: 'python',
      timeout: 500,
      globals: {},
    });
    const fromFile = parseRunCodeArgs(
      ['box', '-f', 'x.ts', '-l', 'typescript', '-c', 'ctx-1'],
      (() => 'const a = 1') as never,
    );
    expect(fromFile).toMatchObject({
      code: 'const a = 1',
      language: 'typescript',
      context: 'ctx-1',
    });
  });

  it('refuses a missing id, missing or doubled code, and unknown languages', () => {
    expect(() => parseRunCodeArgs([])).toThrow(UsageError);
    expect(() => parseRunCodeArgs(['box'])).toThrow(UsageError);
    expect(() => parseRunCodeArgs(['box', '-e', '1', '-f', 'x'])).toThrow(UsageError);
    expect(() => parseRunCodeArgs(['box', '-e', '1', '--lang', 'ruby'])).toThrow(UsageError);
  });

  it('describes results by their text and richer forms', () => {
    expect(describeResult({ text: '42' })).toBe('42');
    expect(describeResult({ text: '<Figure>', png: 'iVBO' })).toBe('<Figure> [png]');
    expect(describeResult({ html: '<table>' })).toBe('[html]');
  });
});
