import { describe, expect, it } from 'vitest';
import { AGENT_PROTOCOL_VERSION, PaddockError } from '@paddock/protocol';
import type { AgentClient } from '../agent-link/client.js';
import { FakeBackend } from '../backends/fake.js';
import { silentLogger } from '../log.js';
import { parseSubnet } from '../net/plan.js';
import { openDb } from '../store/db.js';
import { SandboxStore } from '../store/sandboxes.js';
import { SandboxService } from './sandbox-service.js';

function setup(agent: Partial<AgentClient> = {}) {
  const backend = new FakeBackend();
  const store = new SandboxStore(openDb(':memory:'));
  const seen: unknown[] = [];
  const client: AgentClient = {
    health: () =>
      Promise.resolve({ status: 'ok', protocol: AGENT_PROTOCOL_VERSION, agentVersion: 't' }),
    call: ((op: string, req: unknown) => {
      seen.push(req);
      if (op !== 'exec') return Promise.resolve({ path: '/workspace/x' });
      return Promise.resolve({ success: true, exitCode: 0, stdout: '', stderr: '', duration: 1 });
    }) as AgentClient['call'],
    ...agent,
  };
  const core = new SandboxService({
    store,
    backends: new Map([[backend.name, backend]]),
    defaultBackend: backend.name,
    connect: () => client,
    stream: () => (async function* () {})(),
    defaults: { cpuMillis: 1000, memoryMiB: 512, diskMiB: 1024, pids: 512 },
    subnet: parseSubnet('10.99.0.0/28'),
    log: silentLogger,
    readyTimeoutMs: 200,
    outputLimitBytes: 4096,
  });
  return { core, backend, store, seen };
}

const code = async (p: Promise<unknown>) =>
  ((await p.catch((e: unknown) => e)) as PaddockError).code;

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
    expect(info.limits).toEqual({ cpuMillis: 1000, memoryMiB: 256, diskMiB: 1024, pids: 512 });
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
    expect(seen).toEqual([{ command: 'env', env: { A: '1', B: '2' }, outputLimit: 4096 }]);
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
