import { describe, expect, it } from 'vitest';
import { UsageError } from '../command.js';
import { parseKillArgs } from './kill.js';
import { parseLogsArgs } from './logs.js';
import { parsePsArgs, processTable } from './ps.js';

describe('process commands', () => {
  it('parses ps', () => {
    expect(parsePsArgs(['box', '--json'])).toEqual({ id: 'box', json: true, globals: {} });
    expect(() => parsePsArgs([])).toThrow(UsageError);
  });

  it('parses kill with one id or --all, and names signals loosely', () => {
    expect(parseKillArgs(['box', 'web'])).toEqual({ id: 'box', processId: 'web', globals: {} });
    expect(parseKillArgs(['box', '--all', '-s', 'int'])).toEqual({
      id: 'box',
      signal: 'SIGINT',
      globals: {},
    });
    expect(() => parseKillArgs(['box'])).toThrow(UsageError);
    expect(() => parseKillArgs(['box', 'web', '--all'])).toThrow(UsageError);
    expect(() => parseKillArgs(['box', 'web', '--signal', 'SIGSEGV'])).toThrow(UsageError);
  });

  it('parses logs for a process (-f) or the console', () => {
    expect(parseLogsArgs(['box', 'web', '-f'])).toEqual({
      id: 'box',
      processId: 'web',
      follow: true,
      globals: {},
    });
    expect(parseLogsArgs(['box', '--console'])).toEqual({ id: 'box', follow: false, globals: {} });
    expect(() => parseLogsArgs(['box'])).toThrow(UsageError);
    expect(() => parseLogsArgs(['box', 'web', '--console'])).toThrow(UsageError);
    expect(() => parseLogsArgs(['box', '--console', '-f'])).toThrow(UsageError);
  });

  it('prints a process table', () => {
    const table = processTable([
      {
        id: 'web',
        pid: 12,
        status: 'running',
        command: 'python3 -m http.server',
        startTime: new Date('2026-01-01T00:00:00Z'),
      } as never,
    ]);
    expect(table).toBe(
      'ID   PID  STATUS   EXIT  STARTED                   COMMAND\n' +
        'web  12   running        2026-01-01T00:00:00.000Z  python3 -m http.server\n',
    );
  });
});
