import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AGENT_PROTOCOL_VERSION, PaddockError } from '@paddock/protocol';
import type { AgentClient } from '../agent-link/client.js';
import type { AgentEndpoint, RunningSandbox, SandboxSpec } from '../backends/backend.js';
import { FakeBackend } from '../backends/fake.js';
import { DEFAULT_LIMITS, DEFAULT_MAX_LIMITS, DEFAULT_QUOTA_TOTALS } from '../config.js';
import { silentLogger } from '../log.js';
import { parseSubnet } from '../net/plan.js';
import { openDb } from '../store/db.js';
import { SandboxStore } from '../store/sandboxes.js';
import { POOL_TENANT } from './unassigned.js';
import { SandboxService } from './sandbox-service.js';
import { Snapshots } from './snapshots.js';

/** A fake that can snapshot: the template's token goes into the snapshot, restores answer to it. */
class SnapshottingBackend extends FakeBackend {
  /** The token each live instance's agent holds (a restored one: the template's). */
  readonly held = new Map<string, string>();
  failRestore = false;
  failTemplate = false;

  snapshotKey(): string {
    return 'k1';
  }

  override async create(spec: SandboxSpec): Promise<RunningSandbox> {
    if (spec.template && this.failTemplate) {
      this.calls.push(`create ${spec.id}`);
      throw new Error('template boot failed');
    }
    const r = await super.create(spec);
    this.held.set(spec.name, spec.agentToken);
    return r;
  }

  snapshot(spec: SandboxSpec, dir: string): Promise<void> {
    this.calls.push(`snapshot ${spec.id}`);
    if (!spec.template) return Promise.reject(new Error('not a template'));
    writeFileSync(join(dir, 'meta.json'), JSON.stringify({ token: spec.agentToken }));
    this.live.delete(spec.name);
    return Promise.resolve();
  }

  restore(spec: SandboxSpec, dir: string): Promise<RunningSandbox> {
    this.calls.push(`restore ${spec.id}`);
    if (this.failRestore) return Promise.reject(new Error('restore failed'));
    const { token } = JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8')) as { token: string };
    this.live.set(spec.name, spec);
    this.held.set(spec.name, token);
    return Promise.resolve({ agent: { host: spec.network.sandboxIp, port: 1, token } });
  }
}

function setup() {
  const backend = new SnapshottingBackend();
  const store = new SandboxStore(openDb(':memory:'));
  const subnet = parseSubnet('10.99.0.0/28'); // 4 slots
  const dir = mkdtempSync(join(tmpdir(), 'paddock-snapshots-'));
  const claims: { name: string; token: string; hostname: string }[] = [];
  const nameAt = (host: string) =>
    [...backend.live.values()].find((s) => s.network.sandboxIp === host)?.name ?? '';
  // Like the real agent: only the token it holds is accepted; a claim swaps it.
  const connect = (ep: AgentEndpoint): AgentClient => {
    const check = () => {
      if (backend.held.get(nameAt(ep.host)) !== ep.token) {
        throw new PaddockError('UNAUTHORIZED', 'wrong agent token');
      }
    };
    return {
      health: () =>
        Promise.resolve().then(() => {
          check();
          return { status: 'ok' as const, protocol: AGENT_PROTOCOL_VERSION, agentVersion: 't' };
        }),
      call: ((op: string, req: { token: string; hostname: string }) =>
        Promise.resolve().then(() => {
          check();
          if (op !== 'claim') return { success: true, exitCode: 0, stdout: '', stderr: '' };
          claims.push({ name: nameAt(ep.host), token: req.token, hostname: req.hostname });
          backend.held.set(nameAt(ep.host), req.token);
          return { hostnameSet: true };
        })) as AgentClient['call'],
    };
  };
  const egress = { apply: () => Promise.resolve(), remove: () => Promise.resolve() };
  const backends = new Map([[backend.name, backend]]);
  const common = { store, backends, connect, subnet, egress, log: silentLogger };
  const snapshots = new Snapshots({ ...common, readyTimeoutMs: 200, dir, classes: [] });
  const core = new SandboxService({
    ...common,
    defaultBackend: 'jail',
    stream: () => (async function* () {})(),
    defaults: DEFAULT_LIMITS,
    quota: { ...DEFAULT_QUOTA_TOTALS, perSandbox: DEFAULT_MAX_LIMITS },
    readyTimeoutMs: 200,
    snapshots,
  });
  return { backend, store, snapshots, core, claims, dir };
}

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** Until the class's template exists (it is made in the background). */
async function templateReady(f: ReturnType<typeof setup>): Promise<string> {
  for (let i = 0; i < 2000; i++) {
    const done = readdirSync(f.dir).find((n) => !n.endsWith('.tmp'));
    if (done) return join(f.dir, done);
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error('no template was made');
}

describe('snapshot templates', () => {
  it('boots the first create, makes a template, and restores later creates from it', async () => {
    const f = setup();
    dirs.push(f.dir);
    await f.core.create('t1', { id: 'first' });
    expect(f.backend.calls).toContain('create first');
    const dir = await templateReady(f);
    await f.snapshots.close();
    const template = JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8')) as { token: string };
    // The template's own sandbox is gone: only the snapshot stays.
    expect(f.store.list(POOL_TENANT)).toEqual([]);
    expect(f.backend.calls.filter((c) => c.startsWith('snapshot template-'))).toHaveLength(1);

    await f.core.create('t1', { id: 'a' });
    await f.core.create('t2', { id: 'b' });
    expect(f.backend.calls).toContain('restore a');
    expect(f.backend.calls).toContain('restore b');
    expect(f.backend.calls).not.toContain('create a');
    const a = f.store.get('t1', 'a');
    const b = f.store.get('t2', 'b');
    expect(a?.state).toBe('running');
    // Each got a token of its own, swapped in over the template's (which is no longer accepted).
    expect(new Set([a?.agentToken, b?.agentToken, template.token]).size).toBe(3);
    expect(f.claims.map((c) => [c.hostname, c.token])).toEqual([
      ['a', a?.agentToken],
      ['b', b?.agentToken],
    ]);
    expect(await f.core.exec('t1', 'a', { command: 'true' })).toMatchObject({ exitCode: 0 });
  });

  it('boots a sandbox whose restore failed, leaving nothing of the attempt', async () => {
    const f = setup();
    dirs.push(f.dir);
    await f.core.create('t1', { id: 'first' });
    await templateReady(f);
    f.backend.failRestore = true;
    await f.core.create('t1', { id: 'second' });
    const calls = f.backend.calls.filter((c) => c.endsWith(' second'));
    expect(calls).toEqual(['restore second', 'destroy second', 'create second']);
    expect(f.store.get('t1', 'second')?.state).toBe('running');
    expect([...f.backend.live.values()].map((s) => s.id).sort()).toEqual(['first', 'second']);
  });

  it('does not retry a failed template at once, and creates still boot', async () => {
    const f = setup();
    dirs.push(f.dir);
    f.backend.failTemplate = true;
    await f.core.create('t1', { id: 'one' });
    await f.snapshots.close();
    await f.core.create('t1', { id: 'two' });
    const templates = f.backend.calls.filter((c) => c.startsWith('create template-'));
    expect(templates).toHaveLength(1);
    expect(readdirSync(f.dir)).toEqual([]);
    expect(f.store.list(POOL_TENANT)).toEqual([]);
    expect(f.store.get('t1', 'two')?.state).toBe('running');
  });

  it('makes no templates for a backend that cannot restore', () => {
    const f = setup();
    dirs.push(f.dir);
    const plain = new FakeBackend();
    expect(f.snapshots.templateFor(plain, DEFAULT_LIMITS)).toBeUndefined();
    expect(readdirSync(f.dir)).toEqual([]);
  });

  it('keeps a template across restarts and clears half-saved ones', async () => {
    const f = setup();
    dirs.push(f.dir);
    await f.core.create('t1', { id: 'first' });
    const dir = await templateReady(f);
    await f.snapshots.close();
    writeFileSync(join(f.dir, 'x.tmp'), '');
    await f.snapshots.recover();
    expect(readdirSync(f.dir)).toEqual([dir.split('/').pop()]);
    expect(f.snapshots.templateFor(f.backend, DEFAULT_LIMITS)).toBe(dir);
  });
});
