import { describe, expect, it } from 'vitest';
import { UsageError } from '../command.js';
import { parseExposeArgs, portsTable } from './ports.js';

describe('paddock expose', () => {
  it('parses the flags into exposePort options', () => {
    const a = parseExposeArgs(['box', '8080', '--name', 'web', '--private', '--expires', '600']);
    expect(a).toMatchObject({
      id: 'box',
      port: 8080,
      options: { name: 'web', access: 'private', expiresIn: 600 },
      json: false,
    });
    expect(parseExposeArgs(['box', '3000']).options).toEqual({});
  });

  it('refuses a missing or bad port', () => {
    for (const argv of [['box'], ['box', 'http'], ['box', '70000'], ['box', '1', '2']]) {
      expect(() => parseExposeArgs(argv)).toThrow(UsageError);
    }
  });

  it('lists ports as a table', () => {
    const t = portsTable([
      { sandboxId: 'box', port: 8080, name: 'web', access: 'public', createdAt: 'c' },
    ]);
    expect(t).toBe('PORT  NAME  ACCESS  EXPIRES  CREATED\n8080  web   public           c\n');
  });
});
