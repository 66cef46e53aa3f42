// Helpers of scripts/bench.mjs: the daemon under test (with its log read for pool and create
// events), percentiles and table rows, bounded concurrency, and host-side readings (RSS, memory).
import { spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { Paddock, getSandbox } from '../packages/sdk/dist/index.js';

export const ROOT = join(import.meta.dirname, '..');
export const IMAGE_DIR = process.env.PADDOCK_IMAGE_DIR ?? '/var/lib/paddock/images';

export const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};
export const now = () => process.hrtime.bigint();
export const ms = (t0) => Number(process.hrtime.bigint() - t0) / 1e6;
export const sleep = (t) => new Promise((r) => setTimeout(r, t));

/** A table row: percentiles of `xs`, and the ratio of its p50 to the baseline's p50. */
export function row(name, xs, base, unit = 'ms') {
  const r = { name, unit, n: xs.length, p50: round(pct(xs, 50)), p90: round(pct(xs, 90)) };
  r.p99 = round(pct(xs, 99));
  if (base) {
    r.baseline = base.name;
    r.ratio = ratio(pct(xs, 50), pct(base.xs, 50));
  }
  return r;
}

/** A single figure beside its baseline figure. */
export function figure(name, value, unit, base) {
  const r = { name, unit, n: 1, p50: round(value) };
  if (base) {
    r.baseline = `${base.name} (${round(base.value)} ${unit})`;
    r.ratio = ratio(value, base.value);
  }
  return r;
}

/** Three significant digits: small ratios (daemon RSS per sandbox) stay visible. */
const ratio = (a, b) => +(a / b).toPrecision(3);
const round = (x, d = 1) => (x === undefined ? undefined : +x.toFixed(d));

export async function bounded(items, width, fn) {
  const queue = [...items];
  const out = [];
  await Promise.all(
    Array.from({ length: width }, async () => {
      for (let t = queue.shift(); t !== undefined; t = queue.shift()) out.push(await fn(t));
    }),
  );
  return out;
}

/** Resident memory of a process in bytes (VmRSS). */
export function rssOf(pid) {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
}

export function memAvailable() {
  const m = /MemAvailable:\s+(\d+) kB/.exec(readFileSync('/proc/meminfo', 'utf8'));
  return Number(m[1]) * 1024;
}

/**
 * The daemon under test, its stderr log read for `pool member ready` and `sandbox created`
 * events, so the bench knows when the pool is full and where each sandbox came from.
 */
export async function startDaemon(dataDir, subnet, pool, extraArgs = [], extraEnv = {}) {
  const args = ['packages/daemon/dist/main.js', 'serve', '--data-dir', dataDir];
  args.push('--image-dir', IMAGE_DIR, '--listen', '127.0.0.1:0', '--subnet', subnet);
  // Preview listener on a port the kernel picks: two bench daemons may run at once.
  args.push('--pool', pool, '--preview-listen', '127.0.0.1:0', ...extraArgs);
  // The bench holds 100+ sandboxes of one tenant: above the default quota, so it is raised.
  const env = {
    ...process.env,
    PADDOCK_RATE_LIMIT: '10000/50000',
    PADDOCK_QUOTA: 'sandboxes=500,memoryMiB=1000000,diskMiB=2000000',
    ...extraEnv,
  };
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env,
  });
  const ready = new Map();
  let snapshots = 0;
  const created = new Map();
  const waiters = new Set();
  const problems = [];
  createInterface({ input: child.stderr }).on('line', (line) => {
    let ev;
    try {
      ev = JSON.parse(line);
    } catch {
      return;
    }
    if (ev.level === 'warn' || ev.level === 'error') problems.push(line);
    if (ev.msg === 'pool member ready') ready.set(ev.backend, (ready.get(ev.backend) ?? 0) + 1);
    if (ev.msg === 'snapshot ready') snapshots++;
    if (ev.msg === 'sandbox created') {
      created.set(ev.id, ev);
      if (ev.source === 'pool') ready.set(ev.backend, ready.get(ev.backend) - 1);
    }
    for (const w of waiters) w();
  });
  let apiKey = '';
  const url = await new Promise((resolve, reject) => {
    createInterface({ input: child.stdout }).on('line', (line) => {
      const ev = JSON.parse(line);
      if (ev.event === 'api-key-created') apiKey = ev.apiKey;
      if (ev.event === 'listening') resolve(ev.url);
    });
    child.once('exit', (code) => reject(new Error(`daemon exited ${code}`)));
  });
  const until = (what, done, timeoutMs = 120_000) =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(what)), timeoutMs);
      const check = () => {
        if (!done()) return;
        clearTimeout(timer);
        waiters.delete(check);
        resolve();
      };
      waiters.add(check);
      check();
    });
  const poolReady = (backend, n) =>
    until(`${backend} pool not refilled`, () => (ready.get(backend) ?? 0) >= n);
  const snapshotReady = () => until('no snapshot was made', () => snapshots > 0, 600_000);
  const stop = async () => {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  };
  const client = new Paddock({ url, apiKey, timeoutMs: 600_000 });
  return { child, client, created, poolReady, snapshotReady, stop, problems };
}

/** Report the daemon's warnings, destroy what it still has, stop it, remove its data dir. */
export async function shutdown(daemon, dataDir) {
  for (const line of daemon.problems) console.warn(`daemon: ${line}`);
  // Sandboxes outlive their daemon: a failed run must not leave any (nor cut their data dir).
  for (const s of await daemon.client.listSandboxes().catch(() => [])) {
    await daemon.client.deleteSandbox(s.id).catch(() => undefined);
  }
  await daemon.stop();
  rmSync(dataDir, { recursive: true, force: true });
}

/**
 * Create -> first exec, `n` times, each sandbox destroyed after it is timed; the daemon's log must
 * say each came from `source` (cold, pool or snapshot). `before` runs ahead of each (a refill).
 */
export async function timeCreates(daemon, n, prefix, request, { source, before }) {
  const times = [];
  for (let i = 0; i < n; i++) {
    await before?.();
    const sb = getSandbox(daemon.client, `${prefix}-${i}`);
    const t0 = now();
    await daemon.client.createSandbox({ id: sb.id, ...request });
    await sb.exec('true');
    const t = ms(t0);
    await sb.destroy();
    const from = daemon.created.get(sb.id)?.source;
    if (from !== source) throw new Error(`${sb.id} came from ${from}, not ${source}`);
    times.push(t);
  }
  return times;
}
