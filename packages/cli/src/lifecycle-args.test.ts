import { describe, expect, it } from 'vitest';
import { UsageError } from './command.js';
import { parseCreateArgs } from './commands/create.js';
import { parseQuotaArgs } from './commands/quota.js';

describe('create lifecycle flags', () => {
  it('passes --sleep-after, --ttl and --keep-alive', () => {
    const { request } = parseCreateArgs([
      'job',
      '--sleep-after',
      '10m',
      '--ttl',
      '3600',
      '--keep-alive',
    ]);
    expect(request).toEqual({ id: 'job', sleepAfter: '10m', ttl: 3600, keepAlive: true });
  });

  it('refuses a malformed duration', () => {
    expect(() => parseCreateArgs(['--ttl', '1 hour'])).toThrow(UsageError);
  });
});

describe('parseQuotaArgs', () => {
  it('reads get with and without a tenant', () => {
    expect(parseQuotaArgs([])).toMatchObject({ verb: 'get', tenant: undefined });
    expect(parseQuotaArgs(['team-a'])).toMatchObject({ verb: 'get', tenant: 'team-a' });
  });

  it('reads set with totals and per-sandbox maxima', () => {
    const args = parseQuotaArgs([
      'set',
      'team-a',
      '--sandboxes',
      '5',
      '--memory-mib',
      '4096',
      '--max',
      'memoryMiB=1024',
      '--max',
      'pids=256',
    ]);
    expect(args).toMatchObject({
      verb: 'set',
      tenant: 'team-a',
      quota: { sandboxes: 5, memoryMiB: 4096, perSandbox: { memoryMiB: 1024, pids: 256 } },
    });
  });

  it('refuses a set without a tenant and a bad --max', () => {
    expect(() => parseQuotaArgs(['set'])).toThrow(UsageError);
    expect(() => parseQuotaArgs(['set', 't', '--max', 'memoryMiB'])).toThrow(UsageError);
  });
});
