import { describe, expect, it } from 'vitest';
import { sandboxTable } from './commands/ls.js';
import { formatTable } from './output.js';

describe('formatTable', () => {
  it('pads every column but the last to its widest cell', () => {
    expect(
      formatTable(
        ['ID', 'STATE'],
        [
          ['a-long-id', 'running'],
          ['b', 'failed'],
        ],
      ),
    ).toBe('ID         STATE\na-long-id  running\nb          failed\n');
  });

  it('prints only the header for no rows', () => {
    expect(formatTable(['ID', 'STATE'], [])).toBe('ID  STATE\n');
  });

  it('sandboxTable shows id, state, backend, isolation and creation time', () => {
    const table = sandboxTable([
      {
        id: 'box',
        state: 'running',
        stateReason: undefined,
        backend: 'jail',
        isolation: 'namespace',
        createdAt: '2026-12-04T12:00:00.000Z',
        limits: {
          cpuMillis: 1000,
          memoryMiB: 256,
          diskMiB: 1024,
          pids: 256,
          inodes: 65_536,
          openFiles: 4096,
          maxCommandMs: 3_600_000,
          maxProcesses: 256,
          maxSessions: 32,
        },
        network: { internet: false, allow: [], deny: [] },
      },
    ]);
    expect(table.split('\n')[0]).toMatch(/^ID\s+STATE\s+BACKEND\s+ISOLATION\s+CREATED$/);
    expect(table.split('\n')[1]).toMatch(
      /^box\s+running\s+jail\s+namespace\s+2026-12-04T12:00:00.000Z$/,
    );
  });
});
