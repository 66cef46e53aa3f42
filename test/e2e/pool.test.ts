/**
 * The warm pool against a real daemon, on the jail and on gVisor: create claims a booted member,
 * which carries nothing from the pool or an earlier claim, takes the caller's id as host name and
 * a fresh agent token (the pool's is refused from then on); the pool refills to its size and no
 * further; its members are in no tenant's list and leave nothing behind when the daemon stops.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Paddock, getSandbox, type Sandbox } from '@paddock/sdk';
import {
  CLI,
  NO_TRACES,
  agentStatus,
  createdFrom,
  hostTraces,
  removeDataDir,
  startDaemon,
  type TestDaemon,
} from './harness.js';

const POOL_SIZE = 2;

interface Member {
  tenant: string;
  id: string;
  name: string;
  state: string;
  agent_token: string;
}

/** The daemon's own records, read beside it (WAL allows a concurrent reader). */
function rows(daemon: TestDaemon): Member[] {
  const db = new Database(join(daemon.dataDir, 'paddock.db'), { readonly: true });
  try {
    return db
      .prepare('SELECT tenant, id, name, state, agent_token FROM sandboxes')
      .all() as Member[];
  } finally {
    db.close();
  }
}

const members = (d: TestDaemon) => rows(d).filter((r) => r.tenant === '_pool');
const ready = (d: TestDaemon) => members(d).filter((r) => r.state === 'running');

/** Waits until the pool holds `n` ready members, and returns the most members seen meanwhile. */
async function poolReady(daemon: TestDaemon, n = POOL_SIZE): Promise<number> {
  let most = 0;
  for (let i = 0; i < 3000; i++) {
    const all = members(daemon);
    most = Math.max(most, all.length);
    if (all.filter((r) => r.state === 'running').length >= n) return most;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`the pool never held ${n} ready members: ${JSON.stringify(members(daemon))}`);
}

const ipOf = async (sb: Sandbox) =>
  (await sb.exec("ip -4 -o addr show eth0 | awk '{print $4}' | cut -d/ -f1")).stdout.trim();

describe.each([
  ['jail', '10.230.0.0/16'],
  ['gvisor', '10.231.0.0/16'],
] as const)('warm pool: %s', (backend, subnet) => {
  let daemon: TestDaemon;
  let client: Paddock;
  const made: string[] = [];

  beforeAll(async () => {
    daemon = await startDaemon({
      backend,
      subnet,
      env: { PADDOCK_POOL: `${backend}:${POOL_SIZE}` },
    });
    client = new Paddock({ url: daemon.url, apiKey: daemon.apiKey });
    await poolReady(daemon);
  });

  afterAll(async () => {
    for (const id of made)
      await getSandbox(client, id)
        .destroy()
        .catch(() => undefined);
    await daemon?.stop();
    if (!daemon) return;
    // Stopping the daemon destroyed the pool's idle members: nothing of any sandbox is left.
    const left = hostTraces(daemon.dataDir);
    expect(left).toEqual(NO_TRACES);
    removeDataDir(daemon.dataDir);
  });

  async function claim(id: string, env?: Record<string, string>): Promise<Sandbox> {
    await poolReady(daemon);
    await client.createSandbox({ id, backend, ...(env ? { env } : {}) });
    made.push(id);
    expect(createdFrom(daemon, id)).toBe('pool');
    return getSandbox(client, id);
  }

  it('hands over a member: its id as host name, a new token, the pool token refused', async () => {
    const before = new Map(ready(daemon).map((m) => [m.name, m.agent_token]));
    const sb = await claim('pool-first', { GREETING: 'hi' });
    const rec = rows(daemon).find((r) => r.tenant === 'default' && r.id === 'pool-first');
    const poolToken = before.get(rec?.name ?? '');
    expect(poolToken).toBeDefined();
    expect(rec?.agent_token).not.toBe(poolToken);
    // The pool's own name (pool-<12 hex>) is gone from /etc/hosts.
    const r = await sb.exec(
      'hostname; grep -cE "pool-[0-9a-f]{12}" /etc/hosts || true; echo "$GREETING"',
    );
    expect(r.stdout).toBe('pool-first\n0\nhi\n');
    const ip = await ipOf(sb);
    expect(await agentStatus(ip, poolToken ?? '')).toBe(401);
    expect(await agentStatus(ip, rec?.agent_token ?? '')).toBe(200);
  });

  it('a later claim carries nothing from an earlier one', async () => {
    const dirty = await claim('pool-dirty');
    await dirty.exec('echo secret > /workspace/left; echo x > /tmp/left; export LEFT=1');
    await dirty.setEnvVars({ LEFT_ENV: 'yes' });
    await dirty.startProcess('sleep 600');
    await dirty.destroy();
    made.splice(made.indexOf('pool-dirty'), 1);
    const clean = await claim('pool-clean');
    expect((await clean.exec('ls -A /workspace /tmp')).stdout).toBe('/tmp:\n\n/workspace:\n');
    expect((await clean.exec('env')).stdout).not.toContain('LEFT');
    // bash -c execs ps itself: tini, the agent and ps are all there is.
    const procs = (await clean.exec('ps -eo comm=')).stdout.split('\n').filter(Boolean);
    expect(procs.sort()).toEqual(['node', 'ps', 'tini']);
  });

  it('serves a request outside the size class cold, and lists no member', async () => {
    await poolReady(daemon);
    await client.createSandbox({ id: 'pool-cold', backend, limits: { memoryMiB: 256 } });
    made.push('pool-cold');
    expect(createdFrom(daemon, 'pool-cold')).toBe('cold');
    const listed = (await client.listSandboxes()).map((s) => s.id).sort();
    expect(listed).toEqual([...made].sort());
    expect(members(daemon)).toHaveLength(POOL_SIZE);
  });

  it('reports CPU, memory, tasks and disk from the cgroup and disk file (API and CLI)', async () => {
    const sb = await claim('pool-stats');
    const before = await client.getSandboxStats('pool-stats');
    expect(before).toMatchObject({ id: 'pool-stats', memoryLimitBytes: 512 * 1024 * 1024 });
    expect(before.diskLimitBytes).toBe(1024 * 1024 * 1024);
    expect(before.memoryBytes).toBeGreaterThan(0);
    expect(before.cpuNanos).toBeGreaterThan(0);
    expect(before.tasks).toBeGreaterThanOrEqual(2);
    await sb.exec('head -c 20000000 /dev/urandom > /workspace/big && sync');
    const after = await client.getSandboxStats('pool-stats');
    expect(after.diskUsedBytes - before.diskUsedBytes).toBeGreaterThanOrEqual(19_000_000);
    expect(after.cpuNanos).toBeGreaterThan(before.cpuNanos);
    const env = { ...process.env, PADDOCK_URL: daemon.url, PADDOCK_API_KEY: daemon.apiKey };
    const { stdout } = await promisify(execFile)(process.execPath, [CLI, 'stats', 'pool-stats'], {
      env,
    });
    const [header, line] = stdout.split('\n');
    expect(header).toMatch(/^ID +CPU +CPU TIME +MEMORY \/ LIMIT/);
    expect(line).toMatch(/^pool-stats +\d+\.\d% +\d+\.\ds +[\d.]+ MiB \/ 512\.0 MiB/);
  });

  it('refills to its size and never beyond it', async () => {
    let most = await poolReady(daemon);
    for (const id of ['pool-r1', 'pool-r2', 'pool-r3']) {
      await client.createSandbox({ id, backend });
      made.push(id);
      most = Math.max(most, await poolReady(daemon));
    }
    expect(most).toBe(POOL_SIZE);
  });
});
