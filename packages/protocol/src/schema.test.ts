import { describe, expect, it } from 'vitest';
import { createSandboxSchema, execRequestSchema } from './api.js';
import { canTransition } from './lifecycle.js';
import { array, int, object, optional, parse, string } from './schema.js';

const issue = (r: ReturnType<typeof parse>) => (r.ok ? 'ok' : `${r.issue.path} ${r.issue.message}`);

describe('schema kit', () => {
  const s = object({ name: string({ maxLength: 5 }), n: optional(int({ min: 1, max: 3 })) });

  it('accepts valid input and treats null as absent for optional fields', () => {
    expect(parse(s, { name: 'abc', n: 2 }, 'body')).toEqual({
      ok: true,
      value: { name: 'abc', n: 2 },
    });
    expect(parse(s, { name: 'abc', n: null }, 'body')).toEqual({
      ok: true,
      value: { name: 'abc' },
    });
  });

  it('names the field in every failure', () => {
    expect(issue(parse(s, {}, 'body'))).toBe('body.name is required');
    expect(issue(parse(s, { name: 'abcdef' }, 'body'))).toBe(
      'body.name must be at most 5 characters',
    );
    expect(issue(parse(s, { name: 'a', n: 1.5 }, 'body'))).toBe('body.n must be an integer');
    expect(issue(parse(s, { name: 'a', n: 9 }, 'body'))).toBe('body.n must be between 1 and 3');
    expect(issue(parse(s, { name: 'a', x: 1 }, 'body'))).toBe('body.x is not a known field');
    expect(issue(parse(s, [], 'body'))).toBe('body must be a JSON object');
    expect(issue(parse(s, { name: 'a\0b' }, 'body'))).toBe('body.name must not contain NUL bytes');
    expect(issue(parse(array(int({ min: 0, max: 1 }), { max: 2 }), [0, 5], 'xs'))).toBe(
      'xs[1] must be between 0 and 1',
    );
  });

  it('describes itself as strict JSON Schema', () => {
    expect(s.json).toEqual({
      type: 'object',
      properties: {
        name: { type: 'string', minLength: 0, maxLength: 5 },
        n: { type: 'integer', minimum: 1, maximum: 3 },
      },
      required: ['name'],
      additionalProperties: false,
    });
  });
});

describe('API shapes', () => {
  it('accepts a shell string or an argv array as a command, nothing else', () => {
    expect(parse(execRequestSchema, { command: 'ls' }, 'body').ok).toBe(true);
    expect(parse(execRequestSchema, { command: ['ls', '-l'] }, 'body').ok).toBe(true);
    expect(issue(parse(execRequestSchema, { command: [] }, 'body'))).toMatch(
      /^body\.command must be a non-empty/,
    );
    expect(issue(parse(execRequestSchema, { command: 7 }, 'body'))).toMatch(/^body\.command/);
  });

  it('validates sandbox ids and env names', () => {
    expect(parse(createSandboxSchema, { id: 'my-box-1' }, 'body').ok).toBe(true);
    for (const id of ['-x', 'x-', 'UPPER', 'a'.repeat(64), 'a_b', '']) {
      expect(parse(createSandboxSchema, { id }, 'body').ok).toBe(false);
    }
    expect(issue(parse(createSandboxSchema, { env: { 'A-B': 'x' } }, 'body'))).toMatch(
      /body\.env key 'A-B'/,
    );
  });
});

describe('lifecycle', () => {
  it('allows only the transitions in the table', () => {
    expect(canTransition('creating', 'running')).toBe(true);
    expect(canTransition('running', 'stopping')).toBe(true);
    expect(canTransition('stopping', 'running')).toBe(false);
    expect(canTransition('failed', 'running')).toBe(false);
  });
});
