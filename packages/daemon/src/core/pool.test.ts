import { afterEach, describe, expect, it, vi } from 'vitest';
import { AGENT_PROTOCOL_VERSION, PaddockError } from '@paddock/protocol';
import type { AgentClient } from '../agent-link/client.js';
import type { AgentEndpoint } from '../backends/backend.js';
import { FakeBackend } from '../backends/fake.js';
import { silentLogger } from '../log.js';
import { parseSubnet } from '../net/plan.js';
import { openDb } from '../store/db.js';
import { SandboxStore } from '../store/sandboxes.js';
import { POOL_TENANT, WarmPool, type PoolDeps } from './pool.js';
import { SandboxService } from './sandbox-service.js';
import { DEFAULT_LIMITS, DEFAULT_MAX_LIMITS, DEFAULT_QUOTA_TOTALS } from '../config.js';

const LIMITS = DEFAULT_LIMITS;
const egress = { apply: () => Promise.resolve(), remove: () => Promise.resolve() };

/** Agents that, like the real one, accept only their current token and swap it on claim. */
function fakeAgents(backend: FakeBackend) {
  // Per sandbox instance (host-side name): the token it booted with, until a claim swaps it.
  const tokens = new Map<string, string>();
  let failClaim = false;
  let nameFails = false;
  const claims: unknown[] = [];
  const nameAt = (host: string) =>
    [...backend.live.values()].find((s) => s.network.sandboxIp === host);
  const connect = (ep: AgentEndpoint): AgentClient => {
    const check = () => {
      const spec = nameAt(ep.host);
      if (!spec) throw new PaddockError('SANDBOX_UNAVAILABLE', 'no agent there');
      if (!tokens.has(spec.name)) tokens.set(spec.name, spec.agentToken);
      if (tokens.get(spec.name) !== ep.token) {
        throw new PaddockError('UNAUTHORIZED', 'wrong agent token');
      }
    };
    return {
      health: () =>
        Promise.resolve().then(() => {
          check();
          return { status: 'ok' as const, protocol: AGENT_PROTOCOL_VERSION, agentVersion: 't' };
        }),
      call: ((op: string, req: { token?: string; setHostname?: boolean }) =>
        Promise.resolve().then(() => {
          check();
          if (op === 'claim') {
            if (failClaim) throw new Error('agent gone');
            claims.push(req);
            tokens.set(nameAt(ep.host)?.name ?? '', req.token ?? '');
            return { hostnameSet: req.setHostname === true && !nameFails };
          }
          return { success: true, exitCode: 0, stdout: '', stderr: '', duration: 1 };
        })) as AgentClient['call'],
    };
  };
  return {
    connect,
    claims,
    failNextClaims: () => (failClaim = true),
    failHostname: () => (nameFails = true),
  };
}

function setup(size: number, extra: Partial<PoolDeps> = {}) {
  const backend = new FakeBackend();
  const store = new SandboxStore(openDb(':memory:'));
  const agents = fakeAgents(backend);
  const subnet = parseSubnet('10.99.0.0/28'); // 4 slots
  const backends = new Map([[backend.name, backend]]);
  const common = { store, backends, connect: agents.connect, subnet, egress, log: silentLogger };
  const pool = new WarmPool({
    ...common,
    readyTimeoutMs: 200,
    classes: [{ backend: 'jail', size, limits: LIMITS }],
    backoffMs: { min: 1_000, max: 8_000 },
    ...extra,
  });
  const core = new SandboxService({
    ...common,
    defaultBackend: 'jail',
    stream: () => (async function* () {})(),
    defaults: LIMITS,
    quota: { ...DEFAULT_QUOTA_TOTALS, perSandbox: DEFAULT_MAX_LIMITS },
    readyTimeoutMs: 200,
    pool,
  });
  return { pool, core, backend, store, agents };
}

async function settled(pool: WarmPool): Promise<void> {
  for (let i = 0; i < 200 && pool.status().some((s) => s.booting > 0); i++) {
    await new Promise((r) => setTimeout(r, 1));
  }
}

const creates = (b: FakeBackend) => b.calls.filter((c) => c.startsWith('create')).length;

describe('WarmPool', () => {
  let close: (() => Promise<void>) | undefined;
  afterEach(async () => {
    vi.useRealTimers();
    await close?.();
  });

  it('fills to its size and no further, members in no tenant', async () => {
    const { pool, backend, store, core } = setup(3);
    close = () => pool.close();
    pool.start();
    await settled(pool);
    pool.refill();
    await settled(pool);
    expect(pool.status()[0]).toMatchObject({ ready: 3, booting: 0 });
    expect(creates(backend)).toBe(3);
    expect(store.list(POOL_TENANT)).toHaveLength(3);
    expect(core.list('t')).toEqual([]);
  });

  it('boots at most `concurrency` members at once', async () => {
    const { pool, backend } = setup(4, { concurrency: 2 });
    let open = () => {};
    backend.gate = new Promise<void>((r) => (open = r));
    close = () => pool.close();
    pool.start();
    pool.refill();
    expect(pool.status()[0]?.booting).toBe(2);
    open();
    await settled(pool);
    expect(pool.status()[0]?.ready).toBe(4);
  });

  it('hands a member over: tenant, id, env, a new token; the pool token is refused after', async () => {
    const { pool, core, backend, store, agents } = setup(1);
    close = () => pool.close();
    pool.start();
    await settled(pool);
    const [member] = store.list(POOL_TENANT);
    const info = await core.create('t', { id: 'a', env: { K: 'v' } });
    expect(info).toMatchObject({ id: 'a', state: 'running', limits: LIMITS });
    const rec = store.get('t', 'a');
    expect(rec?.name).toBe(member?.name);
    expect(rec?.env).toEqual({ K: 'v' });
    expect(rec?.agentToken).not.toBe(member?.agentToken);
    expect(backend.calls).toContain(`rename ${member?.name} a`);
    // The pool's old token no longer opens the agent; the new one does.
    const host = agents.connect({ host: '10.99.0.2', port: 1, token: member?.agentToken ?? '' });
    await expect(host.health(100)).rejects.toThrow(/token/);
    await core.exec('t', 'a', { command: 'true' });
    expect(core.list('t').map((s) => s.id)).toEqual(['a']);
    await settled(pool);
    expect(pool.status()[0]?.ready).toBe(1); // refilled
  });

  it('creates cold when the request does not fit a class', async () => {
    const { pool, core, store } = setup(1);
    close = () => pool.close();
    pool.start();
    await settled(pool);
    const [member] = store.list(POOL_TENANT);
    await core.create('t', { id: 'small', limits: { memoryMiB: 256 } });
    expect(store.get('t', 'small')?.name).not.toBe(member?.name);
    expect(store.list(POOL_TENANT).map((r) => r.name)).toEqual([member?.name]);
  });

  it('leaves the member in the pool when the id is taken', async () => {
    const { pool, core } = setup(1);
    close = () => pool.close();
    pool.start();
    await settled(pool);
    await core.create('t', { id: 'a' });
    await settled(pool);
    const code = await core.create('t', { id: 'a' }).catch((e: PaddockError) => e.code);
    expect(code).toBe('SANDBOX_ALREADY_EXISTS');
    expect(pool.status()[0]?.ready).toBe(1);
  });

  it('creates cold, and discards the member, when the hand-over fails', async () => {
    const { pool, core, store, backend, agents } = setup(1);
    close = () => pool.close();
    pool.start();
    await settled(pool);
    const [member] = store.list(POOL_TENANT);
    agents.failNextClaims();
    expect((await core.create('t', { id: 'a' })).state).toBe('running');
    expect(store.get('t', 'a')?.name).not.toBe(member?.name);
    expect(backend.live.has(member?.name ?? '')).toBe(false);
  });

  it('leaves the host name to the agent where the backend cannot set it, and checks it did', async () => {
    const { pool, core, store, backend, agents } = setup(2);
    Object.defineProperty(backend, 'rename', { value: undefined });
    close = () => pool.close();
    pool.start();
    await settled(pool);
    const names = store.list(POOL_TENANT).map((r) => r.name);
    await core.create('t', { id: 'named' });
    expect(agents.claims).toEqual([
      expect.objectContaining({ hostname: 'named', setHostname: true }),
    ]);
    expect(names).toContain(store.get('t', 'named')?.name);
    agents.failHostname();
    await core.create('t', { id: 'unnamed' });
    expect(names).not.toContain(store.get('t', 'unnamed')?.name); // served cold
  });

  it('never takes more than the free network slots, and yields one to a cold create', async () => {
    const { pool, core, store } = setup(10);
    close = () => pool.close();
    await core.create('t', { id: 'x', limits: { memoryMiB: 256 } });
    pool.start();
    await settled(pool);
    expect(pool.status()[0]?.ready).toBe(3);
    expect(store.count()).toBe(4);
    // A create the pool cannot serve finds no slot: an idle member gives its up.
    await core.create('t', { id: 'y', limits: { memoryMiB: 256 } });
    expect(store.count()).toBe(4);
    expect(pool.status()[0]?.ready).toBe(2);
  });

  it('backs off after failed boots instead of retrying at once', async () => {
    vi.useFakeTimers();
    const { pool, backend } = setup(1);
    close = () => pool.close();
    backend.failCreate = true;
    pool.start();
    await vi.advanceTimersByTimeAsync(10);
    expect(creates(backend)).toBe(1);
    await vi.advanceTimersByTimeAsync(1_100); // the first wait (1 s) is over
    expect(creates(backend)).toBe(2);
    await vi.advanceTimersByTimeAsync(1_500); // the second wait is 2 s
    expect(creates(backend)).toBe(2);
    backend.failCreate = false;
    await vi.advanceTimersByTimeAsync(1_000);
    expect(creates(backend)).toBe(3);
    expect(pool.status()[0]?.ready).toBe(1);
    expect(backend.live.size).toBe(1); // failed boots left nothing behind
  });

  it('destroys leftovers of an earlier daemon at start, and its members at close', async () => {
    const first = setup(2);
    first.pool.start();
    await settled(first.pool);
    const left = first.store.list(POOL_TENANT).map((r) => r.name);
    const again = new WarmPool({
      egress,
      store: first.store,
      backends: new Map([['jail', first.backend]]),
      connect: fakeAgents(first.backend).connect,
      subnet: parseSubnet('10.99.0.0/28'),
      log: silentLogger,
      readyTimeoutMs: 200,
      classes: [],
    });
    await again.recover();
    expect(first.store.list(POOL_TENANT)).toEqual([]);
    for (const name of left) expect(first.backend.live.has(name)).toBe(false);
    await first.pool.close();
    expect(first.backend.live.size).toBe(0);
  });
});
