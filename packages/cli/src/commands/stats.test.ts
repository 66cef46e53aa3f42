import { describe, expect, it } from 'vitest';
import { humanBytes, parseStatsArgs, statsTable } from './stats.js';

const base = {
  id: 'a',
  cpuNanos: 2e9,
  memoryBytes: 20 * 1024 * 1024,
  memoryRssBytes: 15 * 1024 * 1024,
  memoryLimitBytes: 512 * 1024 * 1024,
  tasks: 3,
  diskUsedBytes: 1536,
  diskLimitBytes: 1024 * 1024 * 1024,
};

describe('paddock stats', () => {
  it('reads ids and --json', () => {
    expect(parseStatsArgs(['a', 'b', '--json'])).toMatchObject({ ids: ['a', 'b'], json: true });
    expect(parseStatsArgs([])).toMatchObject({ ids: [], json: false });
  });

  it('prints bytes in binary units', () => {
    expect(humanBytes(0)).toBe('0 B');
    expect(humanBytes(1536)).toBe('1.5 KiB');
    expect(humanBytes(3 * 1024 ** 3)).toBe('3.0 GiB');
  });

  it('shows CPU as a share of one core between two samples', () => {
    const later = { ...base, cpuNanos: base.cpuNanos + 0.25e9 };
    const table = statsTable([base], [later], 1000);
    expect(table.split('\n')[0]).toBe(
      'ID  CPU    CPU TIME  MEMORY / LIMIT        ANON      TASKS  DISK / SIZE',
    );
    expect(table.split('\n')[1]).toBe(
      'a   25.0%  2.3s      20.0 MiB / 512.0 MiB  15.0 MiB  3      1.5 KiB / 1.0 GiB',
    );
  });
});
