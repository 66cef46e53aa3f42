/**
 * Tenant quotas over real HTTP: defaults, an admin's override, the typed QUOTA_EXCEEDED naming
 * the limit, no race past a quota with concurrent creates; and the "same time" half of 404
 * equality (another tenant's sandbox costs the same work as a missing one: one query).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PaddockError } from '@paddock/sdk';
import { Paddock, QuotaExceededError, getSandbox } from '@paddock/sdk';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { CLI, removeDataDir, startDaemon, type TestDaemon } from './harness.js';

const run = promisify(execFile);

const errOf = async (p: Promise<unknown>) => (await p.catch((e: unknown) => e)) as PaddockError;

describe('tenant quotas', () => {
  let daemon: TestDaemon;
  let admin: Paddock;
  let a: Paddock;
  let b: Paddock;

  beforeAll(async () => {
    daemon = await startDaemon({
      subnet: '10.231.0.0/16',
      env: { PADDOCK_QUOTA: 'sandboxes=3,memoryMiB=2048,diskMiB=8192' },
    });
    admin = new Paddock({ url: daemon.url, apiKey: daemon.apiKey });
    a = new Paddock({ url: daemon.url, apiKey: (await admin.createKey({ tenant: 'qa' })).key });
    b = new Paddock({ url: daemon.url, apiKey: (await admin.createKey({ tenant: 'qb' })).key });
  });

  afterAll(async () => {
    for (const client of [a, b]) {
      for (const s of (await client?.listSandboxes().catch(() => [])) ?? []) {
        await client.deleteSandbox(s.id).catch(() => undefined);
      }
    }
    await daemon?.stop();
    if (daemon) removeDataDir(daemon.dataDir);
  });

  it('reports the default quota and usage to the tenant', async () => {
    const s = await a.getQuota();
    expect(s).toMatchObject({
      tenant: 'qa',
      quota: { sandboxes: 3, memoryMiB: 2048, diskMiB: 8192 },
      used: { sandboxes: 0, memoryMiB: 0, diskMiB: 0 },
    });
    expect(s.quota.perSandbox.memoryMiB).toBe(8192);
  });

  it('refuses a create past an admin override with 403 QUOTA_EXCEEDED naming the limit', async () => {
    await admin.setQuota('qa', { sandboxes: 1, perSandbox: { memoryMiB: 256 } });
    await a.createSandbox({ id: 'one', limits: { memoryMiB: 256 } });
    const over = await errOf(a.createSandbox({ id: 'two', limits: { memoryMiB: 128 } }));
    expect(over.code).toBe('QUOTA_EXCEEDED');
    expect(over).toBeInstanceOf(QuotaExceededError);
    expect(over.status).toBe(403);
    expect(over.details).toEqual({ limit: 'sandboxes', used: 1, requested: 1, max: 1 });
    const big = await errOf(b.createSandbox({ id: 'big', limits: { memoryMiB: 4096 } }));
    expect(big.details).toMatchObject({ limit: 'memoryMiB', max: 2048 });
    await admin.setQuota('qa', { sandboxes: 2, perSandbox: { memoryMiB: 256 } });
    const perBox = await errOf(a.createSandbox({ id: 'two', limits: { memoryMiB: 512 } }));
    expect(perBox.details).toMatchObject({ limit: 'perSandbox.memoryMiB', max: 256 });
    expect((await a.getQuota()).used).toEqual({ sandboxes: 1, memoryMiB: 256, diskMiB: 1024 });
    // Refused creates left nothing behind.
    expect((await a.listSandboxes()).map((s) => s.id)).toEqual(['one']);
    await a.deleteSandbox('one');
  });

  it('lets only an admin key set quotas or read another tenant', async () => {
    const err = await errOf(a.setQuota('qa', { sandboxes: 100 }));
    expect(err.code).toBe('FORBIDDEN');
    expect((await errOf(a.getQuota('qb'))).code).toBe('FORBIDDEN');
  });

  it('never lets concurrent creates past the quota', async () => {
    await admin.setQuota('qb', { sandboxes: 2 });
    const ids = ['c1', 'c2', 'c3', 'c4', 'c5'];
    const results = await Promise.allSettled(ids.map((id) => b.createSandbox({ id })));
    const won = results.filter((r) => r.status === 'fulfilled');
    const codes = results.flatMap((r) =>
      r.status === 'rejected' ? [(r.reason as PaddockError).code] : [],
    );
    console.log(
      `concurrent creates past a quota of 2: ${won.length} created, refused: ${codes.join(', ')}`,
    );
    expect(won).toHaveLength(2);
    expect(codes).toEqual(['QUOTA_EXCEEDED', 'QUOTA_EXCEEDED', 'QUOTA_EXCEEDED']);
    expect((await b.listSandboxes()).length).toBe(2);
  });

  it('sets and shows quotas and sleeps and wakes with the CLI', async () => {
    const paddock = async (key: string, ...args: string[]) => {
      const env = { ...process.env, PADDOCK_URL: daemon.url, PADDOCK_API_KEY: key };
      return (await run(process.execPath, [CLI, ...args], { env })).stdout;
    };
    const set = await paddock(
      daemon.apiKey,
      'quota',
      'set',
      'qc',
      '--sandboxes',
      '4',
      '--max',
      'pids=64',
    );
    expect(set).toMatch(/^tenant qc\n/);
    expect(set).toMatch(/sandboxes\s+0\s+4/);
    expect(set).toMatch(/perSandbox\.pids\s+64/);
    const key = (await admin.createKey({ tenant: 'qc' })).key;
    expect(await paddock(key, 'create', 'napper', '--pids', '64', '--sleep-after', '1h')).toBe(
      'napper\n',
    );
    expect(await paddock(key, 'quota')).toMatch(/sandboxes\s+1\s+4/);
    expect(await paddock(key, 'sleep', 'napper')).toBe('napper\tsleeping\n');
    expect(await paddock(key, 'wake', 'napper')).toBe('napper\trunning\n');
    await paddock(key, 'rm', 'napper');
  });

  it("answers another tenant's sandbox and a missing one alike, in like time", async () => {
    const existing = (await b.listSandboxes())[0]?.id as string;
    const sbOther = getSandbox(a, existing, { createIfMissing: false });
    const sbNone = getSandbox(a, 'zz-missing', { createIfMissing: false });
    const times = { other: [] as number[], none: [] as number[] };
    const bodies = new Set<string>();
    for (let i = 0; i < 200; i++) {
      for (const [kind, sb, id] of [
        ['other', sbOther, existing],
        ['none', sbNone, 'zz-missing'],
      ] as const) {
        const started = process.hrtime.bigint();
        const err = await errOf(sb.exec('true'));
        times[kind].push(Number(process.hrtime.bigint() - started) / 1e6);
        bodies.add(`${err.code} ${err.status} ${err.message.replace(`'${id}'`, "'X'")}`);
      }
    }
    const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)] ?? 0;
    const [mo, mn] = [median(times.other), median(times.none)];
    console.log(
      `404 timing over 200 calls each: other tenant's median ${mo.toFixed(3)} ms, ` +
        `missing median ${mn.toFixed(3)} ms, ratio ${(mo / mn).toFixed(3)}`,
    );
    expect([...bodies]).toHaveLength(1);
    expect([...bodies][0]).toMatch(/^SANDBOX_NOT_FOUND 404 Sandbox 'X' does not exist/);
  });
});
