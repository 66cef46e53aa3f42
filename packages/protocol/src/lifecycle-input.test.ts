import { describe, expect, it } from 'vitest';
import { createSandboxSchema, durationMs, durationSchema } from './api.js';
import { quotaOverrideSchema } from './quotas.js';
import { parse } from './schema.js';

describe('create input: durations, limits, quotas', () => {
  it('reads durations as seconds or with a unit', () => {
    expect(durationMs(30)).toBe(30_000);
    expect(durationMs('10m')).toBe(600_000);
    expect(durationMs('2h')).toBe(7_200_000);
    expect(durationMs('1d')).toBe(86_400_000);
  });

  it.each([0, -5, 1.5, 10 ** 9, '0s', '10', '10x', 'm', '99999999999d', ''])(
    'refuses the duration %j',
    (d) => {
      expect(parse(durationSchema, d).ok).toBe(false);
    },
  );

  it('refuses absurd and unknown limits before any work', () => {
    for (const limits of [
      { memoryMiB: 10 ** 12 },
      { openFiles: 10 },
      { inodes: 2 ** 40 },
      { maxCommandMs: 0 },
      { maxSessions: 100_000 },
      { surprise: 1 },
    ]) {
      expect(parse(createSandboxSchema, { limits }).ok).toBe(false);
    }
    expect(parse(createSandboxSchema, { sleepAfter: '5m', ttl: 3600, keepAlive: true }).ok).toBe(
      true,
    );
  });

  it('refuses negative and unknown quota fields', () => {
    expect(parse(quotaOverrideSchema, { sandboxes: -1 }).ok).toBe(false);
    expect(parse(quotaOverrideSchema, { perSandbox: { pids: 1 } }).ok).toBe(false);
    expect(parse(quotaOverrideSchema, { cpus: 1 }).ok).toBe(false);
    expect(parse(quotaOverrideSchema, { sandboxes: 3, perSandbox: { pids: 64 } }).ok).toBe(true);
  });
});
