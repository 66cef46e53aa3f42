import { describe, expect, it } from 'vitest';
import { PaddockError } from '@paddock/protocol';
import { DEFAULT_LIMITS } from '../config.js';
import { code, setup } from './service.test.helper.js';

describe('SandboxService', () => {
  it('creates a running sandbox with defaults merged under the requested limits', async () => {
    const { core } = setup();
    const info = await core.create('t1', { id: 'a', limits: { memoryMiB: 256 } });
    expect(info).toMatchObject({
      id: 'a',
      state: 'running',
      backend: 'jail',
      isolation: 'namespace',
    });
    expect(info.limits).toEqual({ ...DEFAULT_LIMITS, memoryMiB: 256 });
  });

  it('refuses a backend this host does not offer with BACKEND_UNAVAILABLE', async () => {
    const { core, backend } = setup();
    expect(await code(core.create('t', { id: 'a', backend: 'microvm' }))).toBe(
      'BACKEND_UNAVAILABLE',
    );
    expect(backend.calls).toEqual([]);
    expect(core.list('t')).toEqual([]);
  });

  it('refuses a taken id with SANDBOX_ALREADY_EXISTS and keeps tenants apart', async () => {
    const { core } = setup();
    await core.create('t1', { id: 'a' });
    expect(await code(core.create('t1', { id: 'a' }))).toBe('SANDBOX_ALREADY_EXISTS');
    await core.create('t2', { id: 'a' });
    expect(core.list('t1').map((s) => s.id)).toEqual(['a']);
    expect(await code(core.exec('t3', 'a', { command: 'true' }))).toBe('SANDBOX_NOT_FOUND');
  });

  it('gives up with CAPACITY_EXHAUSTED when the subnet has no free slot', async () => {
    const { core } = setup();
    for (const id of ['a', 'b', 'c', 'd']) await core.create('t', { id });
    expect(await code(core.create('t', { id: 'e' }))).toBe('CAPACITY_EXHAUSTED');
    await core.destroy('t', 'b');
    expect((await core.create('t', { id: 'e' })).state).toBe('running');
  });

  it('cleans up and forgets a sandbox whose backend fails to start it', async () => {
    const { core, backend } = setup();
    backend.failCreate = true;
    expect(await code(core.create('t', { id: 'a' }))).toBe('BACKEND_ERROR');
    expect(backend.calls).toEqual(['create a', 'destroy a']);
    expect(core.list('t')).toEqual([]);
  });

  it('cleans up when the agent never answers', async () => {
    const { core, backend } = setup({ health: () => Promise.reject(new Error('refused')) });
    expect(await code(core.create('t', { id: 'a' }))).toBe('BACKEND_ERROR');
    expect(backend.live.size).toBe(0);
  });

  it('passes file operations to the agent as given', async () => {
    const { core, seen } = setup();
    await core.create('t', { id: 'a' });
    await core.agentOp('t', 'a', 'mkdir', { path: 'x', recursive: true });
    expect(seen).toEqual([{ path: 'x', recursive: true }]);
    expect(await code(core.agentOp('t', 'b', 'exists', { path: 'x' }))).toBe('SANDBOX_NOT_FOUND');
  });

  it('merges sandbox env under per-call env', async () => {
    const { core, seen } = setup();
    await core.create('t', { id: 'a', env: { A: '1', B: '1' } });
    await core.exec('t', 'a', { command: 'env', env: { B: '2' } });
    expect(seen).toEqual([
      {
        command: 'env',
        env: { A: '1', B: '2' },
        outputLimit: 4096,
        timeout: DEFAULT_LIMITS.maxCommandMs,
      },
    ]);
  });

  it('marks a sandbox failed when its agent is unreachable and the runtime is gone', async () => {
    const unreachable = new PaddockError('SANDBOX_UNAVAILABLE', 'down');
    const { core, backend } = setup({ call: () => Promise.reject(unreachable) });
    await core.create('t', { id: 'a' });
    backend.live.clear();
    expect(await code(core.exec('t', 'a', { command: 'true' }))).toBe('SANDBOX_UNAVAILABLE');
    expect(core.get('t', 'a')).toMatchObject({ state: 'failed', stateReason: 'gone' });
    expect(await code(core.exec('t', 'a', { command: 'true' }))).toBe('INVALID_STATE');
  });

  it('keeps a sandbox whose destroy failed, as failed, so destroy can be retried', async () => {
    const { core, backend } = setup();
    await core.create('t', { id: 'a' });
    backend.failDestroy = true;
    expect(await code(core.destroy('t', 'a'))).toBe('BACKEND_ERROR');
    expect(core.get('t', 'a').state).toBe('failed');
    backend.failDestroy = false;
    await core.destroy('t', 'a');
    expect(core.list('t')).toEqual([]);
  });

  it('recovers after a restart: dead sandboxes are marked failed, half-made ones removed', async () => {
    const { core, backend, store } = setup();
    await core.create('t', { id: 'alive' });
    await core.create('t', { id: 'dead' });
    const dead = store.get('t', 'dead');
    backend.live.delete(dead?.name ?? '');
    store.setState('t', 'alive', 'running');
    await core.create('t', { id: 'half' });
    store.setState('t', 'half', 'creating');
    await core.recover();
    expect(core.get('t', 'alive').state).toBe('running');
    expect(core.get('t', 'dead').state).toBe('failed');
    expect(await code(Promise.resolve().then(() => core.get('t', 'half')))).toBe(
      'SANDBOX_NOT_FOUND',
    );
  });

  it('applies the egress policy before start, replaces it later and removes it on destroy', async () => {
    const { core, firewall } = setup();
    const info = await core.create('t', { id: 'a', network: { allow: ['example.com'] } });
    expect(info.network).toEqual({ internet: false, allow: ['example.com'], deny: [] });
    expect(firewall.get('10.99.0.2')).toEqual(info.network);
    const changed = await core.setNetworkPolicy('t', 'a', {
      internet: true,
      deny: ['10.1.0.0/16'],
    });
    expect(changed.network).toEqual({ internet: true, allow: [], deny: ['10.1.0.0/16'] });
    expect(core.get('t', 'a').network).toEqual(changed.network);
    expect(firewall.get('10.99.0.2')).toEqual(changed.network);
    await core.destroy('t', 'a');
    expect(firewall.size).toBe(0);
  });

  it('re-applies a running sandbox policy at recovery and defaults to no egress', async () => {
    const { core, firewall } = setup();
    const info = await core.create('t', { id: 'a' });
    expect(info.network).toEqual({ internet: false, allow: [], deny: [] });
    firewall.clear();
    await core.recover();
    expect(firewall.get('10.99.0.2')).toEqual(info.network);
  });
});

describe('SandboxService.stats', () => {
  it("reports the backend's figures for the caller's sandbox only", async () => {
    const { core } = setup();
    await core.create('t', { id: 'a', limits: { diskMiB: 64 } });
    const stats = await core.stats('t', 'a');
    expect(stats).toMatchObject({ id: 'a', tasks: 3, diskLimitBytes: 64 * 1024 * 1024 });
    expect(await code(core.stats('other', 'a'))).toBe('SANDBOX_NOT_FOUND');
  });
});
