/**
 * Restoring microVMs from a snapshot, against a real daemon and real QEMU (TCG here, KVM where it
 * runs guests): the daemon boots a template of the default size class once, saves it with its
 * memory, and later creates are restored from it. Each restored sandbox has its own address,
 * host name, clock, random output and agent token (the template's is refused), carries no file
 * or process of another, gives memory it frees back to the host, sleeps and wakes on its own
 * copy-on-write disk, and leaves nothing behind but the snapshot.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Paddock, getSandbox, type Sandbox } from '@paddock/sdk';
import {
  NO_TRACES,
  agentStatus,
  createdFrom,
  hostTraces,
  removeDataDir,
  snapshotReady,
  startDaemon,
  type TestDaemon,
} from './harness.js';

const SUBNET = '10.236.0.0/16';

function tokenOf(daemon: TestDaemon, id: string): string {
  const db = new Database(join(daemon.dataDir, 'paddock.db'), { readonly: true });
  try {
    const row = db.prepare('SELECT agent_token FROM sandboxes WHERE id = ?').get(id) as
      { agent_token: string } | undefined;
    return row?.agent_token ?? '';
  } finally {
    db.close();
  }
}

const ipOf = async (sb: Sandbox) =>
  (await sb.exec("ip -4 -o addr show eth0 | awk '{print $4}' | cut -d/ -f1")).stdout.trim();

describe('microvm: restore from a snapshot', () => {
  let daemon: TestDaemon;
  let client: Paddock;
  let a: Sandbox;
  let b: Sandbox;
  let template: { token: string };

  beforeAll(async () => {
    daemon = await startDaemon({
      backend: 'microvm',
      subnet: SUBNET,
      env: { PADDOCK_SNAPSHOTS: 'on' },
    });
    client = new Paddock({ url: daemon.url, apiKey: daemon.apiKey, timeoutMs: 300_000 });
    const dir = await snapshotReady(daemon);
    template = JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8')) as { token: string };
    await client.createSandbox({ id: 'snap-a' });
    await client.createSandbox({ id: 'snap-b' });
    a = getSandbox(client, 'snap-a');
    b = getSandbox(client, 'snap-b');
  });

  afterAll(async () => {
    for (const sb of [a, b]) await sb?.destroy().catch(() => undefined);
    await daemon?.stop();
    if (!daemon) return;
    expect(hostTraces(daemon.dataDir)).toEqual(NO_TRACES);
    removeDataDir(daemon.dataDir);
  });

  it('restores both creates from the snapshot', () => {
    expect(createdFrom(daemon, 'snap-a')).toBe('snapshot');
    expect(createdFrom(daemon, 'snap-b')).toBe('snapshot');
  });

  it('gives each its own address, MAC, host name and clock', async () => {
    const [ipA, ipB] = [await ipOf(a), await ipOf(b)];
    expect(ipA).toMatch(/^10\.\d+\.\d+\.\d+$/);
    expect(ipA).not.toBe(ipB);
    // Its own MAC too (the one a boot on its address gives), not the template's.
    const mac = 'cat /sys/class/net/eth0/address';
    expect((await a.exec(mac)).stdout).not.toBe((await b.exec(mac)).stdout);
    expect((await a.exec('hostname')).stdout.trim()).toBe('snap-a');
    expect((await b.exec('getent hosts snap-b')).stdout).toContain('snap-b');
    const gw = (await a.exec('ip route show default')).stdout;
    expect((await a.exec('cat /etc/resolv.conf')).stdout).toContain(gw.split(' ')[2] ?? 'none');
    const guest = Number((await a.exec('date +%s')).stdout.trim());
    expect(Math.abs(guest - Date.now() / 1000)).toBeLessThan(30);
  });

  it('reseeds randomness: two restored guests read different bytes', async () => {
    const read = 'head -c 32 /dev/urandom | od -An -tx1 | tr -d " \\n"';
    const [ra, rb] = [(await a.exec(read)).stdout, (await b.exec(read)).stdout];
    expect(ra).toMatch(/^[0-9a-f]{64}$/);
    expect(ra).not.toBe(rb);
    const uuid = 'cat /proc/sys/kernel/random/uuid';
    expect((await a.exec(uuid)).stdout).not.toBe((await b.exec(uuid)).stdout);
  });

  it('gives each its own agent token; the template token is refused', async () => {
    const [ta, tb] = [tokenOf(daemon, 'snap-a'), tokenOf(daemon, 'snap-b')];
    expect(ta).not.toBe('');
    expect(new Set([ta, tb, template.token]).size).toBe(3);
    const ip = await ipOf(a);
    expect(await agentStatus(ip, ta)).toBe(200);
    expect(await agentStatus(ip, template.token)).toBe(401);
    expect(await agentStatus(ip, tb)).toBe(401);
  });

  it('carries no files or processes of the template or of each other', async () => {
    expect((await a.exec('ls -A /workspace')).stdout).toBe('');
    await a.writeFile('/workspace/only-a.txt', 'a');
    expect((await b.exec('ls -A /workspace')).stdout).toBe('');
    // Every process but the kernel's threads (kthreadd, 2, and its children).
    const ps = await b.exec('ps -o comm= -p 2 --ppid 2 -N');
    const procs = ps.stdout.split('\n').filter(Boolean);
    expect(procs).toEqual(expect.arrayContaining(['tini', 'node']));
    for (const p of procs) expect(['tini', 'node', 'bash', 'ps']).toContain(p);
  });

  it('gives memory the guest frees back to the host (free page reporting)', async () => {
    const rss = async () => (await client.getSandboxStats('snap-b')).memoryRssBytes;
    const before = await rss();
    const MiB = 1024 * 1024;
    // 256 MiB touched page by page, then freed when python exits.
    const hog = 'b = bytearray(256 << 20)\nfor i in range(0, len(b), 4096): b[i] = 1';
    await b.exec(['python3', '-c', hog], { timeout: 120_000 });
    // The guest reports free pages after about 2 s and QEMU drops them; wait until it has.
    let after = await rss();
    for (let i = 0; i < 60 && after > before + 96 * MiB; i++) {
      await new Promise((r) => setTimeout(r, 1000));
      after = await rss();
    }
    expect(after).toBeLessThan(before + 96 * MiB);
  });

  it('sleeps and wakes on its own copy-on-write disk', async () => {
    await a.writeFile('/workspace/kept.txt', 'still here');
    expect((await a.sleep()).state).toBe('sleeping');
    expect((await a.exec('cat /workspace/kept.txt')).stdout).toBe('still here');
    expect((await a.exec('hostname')).stdout.trim()).toBe('snap-a');
    expect((await b.exec('ls -A /workspace')).stdout).toBe('');
  });
});
