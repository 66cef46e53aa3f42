import { describe, expect, it } from 'vitest';
import { UsageError } from './command.js';
import { parseCreateArgs } from './commands/create.js';
import { formatPolicy, parseNetworkArgs } from './commands/network.js';

describe('egress policy flags', () => {
  it('create takes --internet and repeatable --allow/--deny', () => {
    const args = parseCreateArgs([
      'box',
      '--internet',
      '--allow',
      'registry.npmjs.org',
      '--allow',
      '10.9.0.0/16',
      '--deny',
      'evil.example',
    ]);
    expect(args.request).toEqual({
      id: 'box',
      network: {
        internet: true,
        allow: ['registry.npmjs.org', '10.9.0.0/16'],
        deny: ['evil.example'],
      },
    });
    expect(parseCreateArgs(['box']).request).toEqual({ id: 'box' });
  });

  it('network shows without flags, replaces with them, resets with --none', () => {
    expect(parseNetworkArgs(['box']).policy).toBeUndefined();
    expect(parseNetworkArgs(['box', '--allow', 'a.example']).policy).toEqual({
      allow: ['a.example'],
    });
    expect(parseNetworkArgs(['box', '--none']).policy).toEqual({});
    expect(() => parseNetworkArgs(['box', '--none', '--internet'])).toThrow(UsageError);
    expect(() => parseNetworkArgs([])).toThrow(UsageError);
  });

  it('prints a policy as aligned lines', () => {
    expect(formatPolicy({ internet: false, allow: ['a.example', '10.0.0.0/8'], deny: [] })).toBe(
      'internet  no\nallow     a.example 10.0.0.0/8\ndeny      -\n',
    );
  });
});
