import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS, DEFAULT_MAX_LIMITS, DEFAULT_QUOTA_TOTALS } from '../config.js';
import { code, setup } from './service.test.helper.js';

describe('lifecycle', () => {
  it('sleeps by stopping the runtime and wakes transparently on the next call', async () => {
    const { core, backend, seen } = setup();
    await core.create('t', { id: 'a' });
    expect((await core.sleep('t', 'a')).state).toBe('sleeping');
    expect(backend.live.size).toBe(0);
    // Writes were flushed to the sandbox's disk before its runtime stopped.
    expect(seen).toEqual([{ command: ['sync'], timeout: 30_000 }]);
    await core.exec('t', 'a', { command: 'true' });
    expect(core.get('t', 'a').state).toBe('running');
    expect(backend.calls).toEqual(['create a', 'stop a', 'start a']);
  });

  it('pauses and resumes, keeping the runtime', async () => {
    const { core, backend } = setup();
    await core.create('t', { id: 'a' });
    expect((await core.pause('t', 'a')).state).toBe('sleeping');
    await core.pause('t', 'a'); // idempotent
    await core.agentOp('t', 'a', 'exists', { path: '/x' });
    expect(backend.calls).toEqual(['create a', 'pause a', 'resume a']);
    expect(backend.live.size).toBe(1);
  });

  it('refuses pausing a stopped-asleep sandbox and waking a failed one with INVALID_STATE', async () => {
    const { core, store } = setup();
    await core.create('t', { id: 'a' });
    await core.sleep('t', 'a');
    expect(await code(core.pause('t', 'a'))).toBe('INVALID_STATE');
    await core.wake('t', 'a');
    store.setState('t', 'a', 'failed', 'test');
    expect(await code(core.wake('t', 'a'))).toBe('INVALID_STATE');
    expect(await code(core.sleep('t', 'a'))).toBe('INVALID_STATE');
    expect(await code(core.exec('t', 'a', { command: 'true' }))).toBe('INVALID_STATE');
  });

  it('destroys a sleeping sandbox', async () => {
    const { core, backend } = setup();
    await core.create('t', { id: 'a' });
    await core.sleep('t', 'a');
    await core.destroy('t', 'a');
    expect(core.list('t')).toEqual([]);
    expect(backend.calls.at(-1)).toBe('destroy a');
  });

  it('puts idle sandboxes to sleep on the timer, never keepAlive ones', async () => {
    const { core, store } = setup();
    await core.create('t', { id: 'idle', sleepAfter: '1s' });
    await core.create('t', { id: 'kept', sleepAfter: 1, keepAlive: true });
    await core.create('t', { id: 'busy', sleepAfter: '10m' });
    for (const id of ['idle', 'kept', 'busy']) store.touch('t', id, Date.now() - 5000);
    await core.lifecycle.tick();
    expect(
      core
        .list('t')
        .map((s) => `${s.id}:${s.state}`)
        .sort(),
    ).toEqual(['busy:running', 'idle:sleeping', 'kept:running']);
    core.update('t', 'kept', { keepAlive: false });
    store.touch('t', 'kept', Date.now() - 5000);
    await core.lifecycle.tick();
    expect(core.get('t', 'kept').state).toBe('sleeping');
  });

  it("pauses instead of stopping on the timer with sleepMode 'pause'", async () => {
    const { core, store, backend } = setup();
    await core.create('t', { id: 'p', sleepAfter: 1, sleepMode: 'pause' });
    store.touch('t', 'p', Date.now() - 5000);
    await core.lifecycle.tick();
    expect(core.get('t', 'p')).toMatchObject({ state: 'sleeping', sleepMode: 'pause' });
    await core.exec('t', 'p', { command: 'true' });
    expect(backend.calls).toEqual(['create p', 'pause p', 'resume p']);
  });

  it('destroys a sandbox whose ttl passed, timers surviving a restart (state in SQLite)', async () => {
    const { core, db, backend } = setup();
    await core.create('t', { id: 'short', ttl: 60 });
    await core.create('t', { id: 'long', ttl: '1d' });
    expect(core.get('t', 'short').expiresAt).toMatch(/^\d{4}-/);
    db.prepare("UPDATE sandboxes SET expires_at = ? WHERE id = 'short'").run(Date.now() - 1);
    // A second core on the same database (a restarted daemon) re-arms from the store.
    const { SandboxService } = await import('./sandbox-service.js');
    const { SandboxStore } = await import('../store/sandboxes.js');
    const { parseSubnet } = await import('../net/plan.js');
    const { silentLogger } = await import('../log.js');
    const restarted = new SandboxService({
      store: new SandboxStore(db),
      backends: new Map([[backend.name, backend]]),
      defaultBackend: backend.name,
      connect: () => {
        throw new Error('no agent needed');
      },
      stream: () => (async function* () {})(),
      defaults: DEFAULT_LIMITS,
      quota: { ...DEFAULT_QUOTA_TOTALS, perSandbox: DEFAULT_MAX_LIMITS },
      subnet: parseSubnet('10.99.0.0/28'),
      egress: { apply: () => Promise.resolve(), remove: () => Promise.resolve() },
      log: silentLogger,
      readyTimeoutMs: 200,
    });
    await restarted.recover();
    await restarted.lifecycle.tick();
    expect(restarted.list('t').map((s) => s.id)).toEqual(['long']);
  });

  it('does not sleep a sandbox while a call is in progress', async () => {
    let finish: () => void = () => {};
    const { core, store } = setup({
      call: (() =>
        new Promise((r) => {
          finish = () => r({ success: true, exitCode: 0, stdout: '', stderr: '', duration: 1 });
        })) as never,
    });
    await core.create('t', { id: 'a', sleepAfter: 1 });
    const running = core.exec('t', 'a', { command: 'sleep 100' });
    await new Promise((r) => setTimeout(r, 10));
    store.touch('t', 'a', Date.now() - 5000);
    await core.lifecycle.tick();
    expect(core.get('t', 'a').state).toBe('running');
    finish();
    await running;
  });
});
