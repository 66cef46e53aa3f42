import { describe, expect, it } from 'vitest';
import { UsageError } from '../command.js';
import { parseShellArgs } from './shell.js';

describe('paddock shell arguments', () => {
  it('takes one id and an optional session', () => {
    expect(parseShellArgs(['box'])).toMatchObject({ id: 'box' });
    expect(parseShellArgs(['box', '--session', 'dev'])).toMatchObject({
      id: 'box',
      session: 'dev',
    });
  });

  it('refuses a missing or extra id', () => {
    expect(() => parseShellArgs([])).toThrow(UsageError);
    expect(() => parseShellArgs(['a', 'b'])).toThrow(UsageError);
  });
});
