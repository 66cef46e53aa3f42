import { describe, expect, it } from 'vitest';
import type { PaddockError } from '@paddock/protocol';
import type { AgentClient } from '../agent-link/client.js';
import { code, setup } from './service.test.helper.js';

const details = async (p: Promise<unknown>) =>
  ((await p.catch((e: unknown) => e)) as PaddockError).details;

describe('quotas', () => {
  it('refuses the sandbox past the tenant maximum with QUOTA_EXCEEDED naming the limit', async () => {
    const { core } = setup({}, { sandboxes: 2 });
    await core.create('t', { id: 'a' });
    await core.create('t', { id: 'b' });
    const p = core.create('t', { id: 'c' });
    expect(await details(p)).toEqual({ limit: 'sandboxes', used: 2, requested: 1, max: 2 });
    expect(await code(core.create('t', { id: 'c' }))).toBe('QUOTA_EXCEEDED');
    // Another tenant has its own count.
    expect((await core.create('u', { id: 'c' })).state).toBe('running');
  });

  it('counts total memory and disk over the tenant sandboxes', async () => {
    const { core } = setup({}, { memoryMiB: 1000, diskMiB: 100_000 });
    await core.create('t', { id: 'a', limits: { memoryMiB: 600 } });
    expect(await details(core.create('t', { id: 'b', limits: { memoryMiB: 500 } }))).toEqual({
      limit: 'memoryMiB',
      used: 600,
      requested: 500,
      max: 1000,
    });
    await core.create('t', { id: 'b', limits: { memoryMiB: 400 } });
    await core.destroy('t', 'a');
    await core.create('t', { id: 'c', limits: { memoryMiB: 600 } });
  });

  it('refuses a create over a per-sandbox maximum before any work', async () => {
    const { core, backend } = setup();
    const err = details(core.create('t', { id: 'a', limits: { memoryMiB: 100_000 } }));
    expect(await err).toMatchObject({ limit: 'perSandbox.memoryMiB', max: 8192 });
    expect(backend.calls).toEqual([]);
  });

  it('lets two concurrent creates past a quota of one: exactly one wins', async () => {
    const { core } = setup({}, { sandboxes: 1 });
    const results = await Promise.allSettled([
      core.create('t', { id: 'a' }),
      core.create('t', { id: 'b' }),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const lost = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect((lost.reason as PaddockError).code).toBe('QUOTA_EXCEEDED');
  });

  it("applies an admin's override over the defaults, per tenant", async () => {
    const { core, quotas } = setup({}, { sandboxes: 1 });
    quotas.set('t', { sandboxes: 2, perSandbox: { memoryMiB: 64 } }, 'now');
    await core.create('t', { id: 'a', limits: { memoryMiB: 64 } });
    expect(await code(core.create('t', { id: 'b' }))).toBe('QUOTA_EXCEEDED');
    await core.create('t', { id: 'b', limits: { memoryMiB: 32 } });
    expect((await core.create('u', { id: 'a' })).state).toBe('running');
    expect(await code(core.create('u', { id: 'b' }))).toBe('QUOTA_EXCEEDED');
  });
});

describe('per-sandbox limits the daemon enforces', () => {
  it('caps command timeouts at maxCommandMs', async () => {
    const { core, seen } = setup();
    await core.create('t', { id: 'a', limits: { maxCommandMs: 5000 } });
    await core.exec('t', 'a', { command: 'true', timeout: 60_000 });
    await core.exec('t', 'a', { command: 'true', timeout: 100 });
    expect(seen.map((r) => (r as { timeout: number }).timeout)).toEqual([5000, 100]);
  });

  it('refuses a background process past maxProcesses with PROCESS_LIMIT_REACHED', async () => {
    const running = { processId: 'p', status: 'running' };
    const call = ((op: string) =>
      Promise.resolve(
        op === 'listProcesses' ? { processes: [running, running] } : { id: 'x' },
      )) as AgentClient['call'];
    const { core } = setup({ call });
    await core.create('t', { id: 'a', limits: { maxProcesses: 2 } });
    const p = core.startProcess('t', 'a', { command: 'sleep 1' });
    expect(await details(p)).toEqual({ limit: 'maxProcesses', used: 2, max: 2 });
  });

  it('refuses a session past maxSessions with SESSION_LIMIT_REACHED', async () => {
    const call = ((op: string) =>
      Promise.resolve(
        op === 'listSessions' ? { sessions: [{}], count: 1 } : {},
      )) as AgentClient['call'];
    const { core } = setup({ call });
    await core.create('t', { id: 'a', limits: { maxSessions: 1 } });
    expect(await code(core.createSession('t', 'a', {}))).toBe('SESSION_LIMIT_REACHED');
  });

  it('refuses more inodes than the disk can hold before any work', async () => {
    const { core, backend } = setup();
    const p = core.create('t', { id: 'a', limits: { diskMiB: 64, inodes: 1_000_000 } });
    expect(await code(p)).toBe('VALIDATION_FAILED');
    expect(backend.calls).toEqual([]);
  });
});
