import { describe, expect, it } from 'vitest';
import { parseEnvPairs, parseIntFlag, splitVerb, wantsHelp } from './args.js';
import { UsageError } from './command.js';
import { parseCreateArgs } from './commands/create.js';
import { parseCpArgs } from './commands/cp.js';
import { parseKeysArgs } from './commands/keys.js';
import { exitCodeOf, parseExecArgs } from './commands/exec.js';
import { parseLsArgs } from './commands/ls.js';
import { parseRmArgs } from './commands/rm.js';

describe('parseExecArgs', () => {
  it('runs one word after -- as a shell string', () => {
    expect(parseExecArgs(['box', '--', 'ls -la | wc -l'])).toEqual({
      id: 'box',
      command: 'ls -la | wc -l',
      env: {},
      globals: {},
    });
  });

  it('runs several words after -- as argv, leaving their dashes alone', () => {
    const args = parseExecArgs([
      'box',
      '--cwd',
      '/tmp',
      '-e',
      'A=1',
      '--env',
      'B=x=y',
      '--timeout',
      '500',
      '--',
      'ls',
      '-la',
      '--',
      '--help',
    ]);
    expect(args).toEqual({
      id: 'box',
      command: ['ls', '-la', '--', '--help'],
      env: { A: '1', B: 'x=y' },
      cwd: '/tmp',
      timeout: 500,
      globals: {},
    });
  });

  it('accepts flags after the id and global flags anywhere before --', () => {
    const args = parseExecArgs(['--url', 'http://h:1', 'box', '--api-key', 'k', '--', 'true']);
    expect(args).toMatchObject({
      id: 'box',
      command: 'true',
      globals: { url: 'http://h:1', apiKey: 'k' },
    });
  });

  it('takes words after the id as the command when there is no --', () => {
    expect(parseExecArgs(['box', 'echo', 'hi']).command).toEqual(['echo', 'hi']);
    expect(() => parseExecArgs(['box', 'ls', '-la'])).toThrow(UsageError);
  });

  it('rejects a missing id, a missing command and a bad timeout', () => {
    expect(() => parseExecArgs([])).toThrow('exec needs a sandbox id');
    expect(() => parseExecArgs(['box', '--'])).toThrow('exec needs a command after --');
    expect(() => parseExecArgs(['box', '--timeout', '1.5', '--', 'x'])).toThrow(
      '--timeout expects a whole number',
    );
    expect(() => parseExecArgs(['box', '--env', 'NOEQUALS', '--', 'x'])).toThrow(
      '--env expects KEY=VALUE',
    );
  });

  it('maps exit code -1 to 1 and passes others through', () => {
    const result = { success: false, stdout: '', stderr: '', duration: 0, truncated: undefined };
    expect(exitCodeOf({ ...result, exitCode: -1 })).toBe(1);
    expect(exitCodeOf({ ...result, exitCode: 42 })).toBe(42);
  });
});

describe('parseCreateArgs', () => {
  it('builds the create request from the id, limits and env', () => {
    const args = parseCreateArgs([
      'box',
      '--memory',
      '512',
      '--cpu',
      '1500',
      '--disk',
      '2048',
      '--pids',
      '64',
      '--env',
      'A=1',
      '-e',
      'B=',
    ]);
    expect(args.request).toEqual({
      id: 'box',
      limits: { memoryMiB: 512, cpuMillis: 1500, diskMiB: 2048, pids: 64 },
      env: { A: '1', B: '' },
    });
  });

  it('asks for a backend by name and refuses unknown ones', () => {
    expect(parseCreateArgs(['--backend', 'gvisor']).request).toEqual({ backend: 'gvisor' });
    expect(() => parseCreateArgs(['--backend', 'docker'])).toThrow(
      '--backend must be one of jail, gvisor, microvm',
    );
  });

  it('sends an empty request when given nothing', () => {
    expect(parseCreateArgs([])).toEqual({ request: {}, globals: {} });
  });

  it('rejects two ids and non-numeric limits', () => {
    expect(() => parseCreateArgs(['a', 'b'])).toThrow('at most one id');
    expect(() => parseCreateArgs(['--memory', '1G'])).toThrow(
      '--memory expects a whole number, got "1G"',
    );
  });
});

describe('parseLsArgs and parseRmArgs', () => {
  it('parse their flags and reject stray words', () => {
    expect(parseLsArgs(['--json'])).toEqual({ json: true, globals: {} });
    expect(parseLsArgs([]).json).toBe(false);
    expect(() => parseLsArgs(['x'])).toThrow(UsageError);
    expect(parseRmArgs(['a', 'b']).ids).toEqual(['a', 'b']);
    expect(() => parseRmArgs([])).toThrow('rm needs at least one sandbox id');
  });
});

describe('shared argument helpers', () => {
  it('splitVerb skips global flags and their values before the verb', () => {
    expect(splitVerb(['--url', 'ls', 'ls', '--json'])).toEqual({
      verb: 'ls',
      before: ['--url', 'ls'],
      after: ['--json'],
    });
    expect(splitVerb(['--url=x', 'rm', 'a'])).toEqual({
      verb: 'rm',
      before: ['--url=x'],
      after: ['a'],
    });
    expect(splitVerb(['--version'])).toEqual({ verb: undefined, before: ['--version'], after: [] });
  });

  it('wantsHelp ignores --help meant for the sandboxed command', () => {
    expect(wantsHelp(['box', '-h'])).toBe(true);
    expect(wantsHelp(['box', '--', 'git', '--help'])).toBe(false);
  });

  it('parseEnvPairs and parseIntFlag', () => {
    expect(parseEnvPairs(['A=1', 'B==2'])).toEqual({ A: '1', B: '=2' });
    expect(() => parseEnvPairs(['=1'])).toThrow(UsageError);
    expect(parseIntFlag('pids', undefined)).toBeUndefined();
    expect(parseIntFlag('pids', '0')).toBe(0);
    expect(() => parseIntFlag('pids', '-1')).toThrow(UsageError);
  });
});

describe('parseCpArgs', () => {
  it('tells the sandbox side by <id>:<path>', () => {
    expect(parseCpArgs(['a.txt', 'box:/workspace/a.txt'])).toMatchObject({
      direction: 'in',
      local: 'a.txt',
      remote: { id: 'box', path: '/workspace/a.txt' },
    });
    expect(parseCpArgs(['box:out.log', '-'])).toMatchObject({
      direction: 'out',
      local: '-',
      remote: { id: 'box', path: 'out.log' },
    });
  });

  it('needs exactly one sandbox side', () => {
    expect(() => parseCpArgs(['a', 'b'])).toThrow('exactly one of source and destination');
    expect(() => parseCpArgs(['x:a', 'y:b'])).toThrow('exactly one of source and destination');
    expect(() => parseCpArgs(['a'])).toThrow('cp needs a source and a destination');
  });
});

describe('parseKeysArgs', () => {
  it('builds create, ls and revoke', () => {
    expect(
      parseKeysArgs([
        'create',
        '--tenant',
        't1',
        '--scope',
        'read',
        '--scope',
        'exec',
        '--expires-in',
        '3600',
      ]),
    ).toMatchObject({
      verb: 'create',
      request: { tenant: 't1', scopes: ['read', 'exec'], expiresInSeconds: 3600 },
    });
    expect(parseKeysArgs(['ls'])).toMatchObject({ verb: 'ls' });
    expect(parseKeysArgs(['revoke', 'ab12'])).toMatchObject({ verb: 'revoke', id: 'ab12' });
    expect(() => parseKeysArgs(['create', '--scope', 'root'])).toThrow('--scope must be one of');
    expect(() => parseKeysArgs(['drop'])).toThrow('usage: paddock keys');
  });
});
