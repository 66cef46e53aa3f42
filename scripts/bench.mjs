// npm run bench: Paddock's speed and density beside baselines measured in the same run, as ratios.
//   create->first exec per backend (p50/p90/p99 over N sandboxes): cold, from the warm pool (the
//   pool refilled before each), restored from a snapshot (microvm), vs a bare runtime start of `true` (runc run, runsc do) or a bare
//   QEMU boot; exec round trip vs a bare host spawn; 100 MiB written and read through the API and
//   with dd inside the sandbox vs the host disk; idle sandboxes held (jail): host memory, cgroup
//   memory and CPU per sandbox vs a bare idle Node process, and the daemon's RSS per sandbox.
//   scripts/bench-proxy.mjs adds preview proxy throughput vs direct TCP (its own daemon).
// Prints a table and saves JSON in bench-results/. Needs root, a built tree and the guest image.
// BENCH_SANDBOXES (10), BENCH_EXECS (50), BENCH_BACKENDS (jail,gvisor,microvm), BENCH_IDLE (100; 0 skips),
// BENCH_POOL (2 per backend) tune it.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { getSandbox } from '../packages/sdk/dist/index.js';
import { prepareImage } from '../packages/daemon/dist/app.js';
import { defaultAccel } from '../packages/daemon/dist/backends/microvm/index.js';
import { probeMicrovm } from '../packages/daemon/dist/backends/microvm/probe.js';
import { loadConfig } from '../packages/daemon/dist/config.js';
import {
  IMAGE_DIR,
  ROOT,
  figure,
  ms,
  now,
  row,
  shutdown,
  startDaemon,
  timeCreates,
} from './bench-lib.mjs';
import { density, fileIo } from './bench-density.mjs';
import { snapshotRows } from './bench-snapshot.mjs';

const N = Number(process.env.BENCH_SANDBOXES ?? 10);
const EXECS = Number(process.env.BENCH_EXECS ?? 50);
const POOL = Number(process.env.BENCH_POOL ?? 2);
const IDLE = Number(process.env.BENCH_IDLE ?? 100);
const BACKENDS = (process.env.BENCH_BACKENDS ?? 'jail,gvisor,microvm').split(',');
/** The pool's size class: one field off the defaults, so cold creates (defaults) never claim. */
const POOL_LIMITS = { pids: 511 };

// Moved by PADDOCK_TEST_NET_BASE like the e2e tests' subnets (see test/e2e/harness.ts).
const NET = Number(process.env.PADDOCK_TEST_NET_BASE ?? 213);
const SUBNET = `10.${NET + 9}.0.0/16`;
const SNAPSHOT_SUBNET = `10.${NET + 24}.0.0/16`;

function imageRootfs() {
  const dirs = execFileSync('ls', ['-t', IMAGE_DIR], { encoding: 'utf8' }).split('\n');
  const dir = dirs.find((d) => d.startsWith('bookworm-') && !d.includes('.build-'));
  return join(IMAGE_DIR, dir, 'rootfs');
}

/** Bare runtime baseline: `true` in a minimal bundle over the same image, no Paddock. */
function bareRuntime(binary, extraArgs) {
  const dir = mkdtempSync('/tmp/paddock-bench-');
  try {
    execFileSync('runc', ['spec', '--bundle', dir]);
    const spec = JSON.parse(execFileSync('cat', [join(dir, 'config.json')], { encoding: 'utf8' }));
    spec.root = { path: imageRootfs(), readonly: true };
    spec.process.terminal = false;
    spec.process.args = ['/bin/true'];
    writeFileSync(join(dir, 'config.json'), JSON.stringify(spec));
    const times = [];
    for (let i = 0; i < N; i++) {
      const t0 = now();
      const r = spawnSync(binary, [
        '--root',
        join(dir, 'state'),
        ...extraArgs,
        'run',
        '--bundle',
        dir,
        `b${i}`,
      ]);
      if (r.status !== 0) throw new Error(`${binary} baseline failed: ${r.stderr}`);
      times.push(ms(t0));
    }
    return times;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function execRoundTrip(client, backend) {
  const sb = getSandbox(client, `bench-rt-${backend}`);
  await client.createSandbox({ id: sb.id, backend });
  await sb.exec('true');
  const times = [];
  for (let i = 0; i < EXECS; i++) {
    const t0 = now();
    await sb.exec(['/bin/true']);
    times.push(ms(t0));
  }
  await sb.destroy();
  return times;
}

/** `runsc do true`: a bare gVisor sandbox, no Paddock. */
function bareRunscDo() {
  const dir = mkdtempSync('/tmp/paddock-bench-runsc-');
  try {
    const times = [];
    for (let i = 0; i < N; i++) {
      const t0 = now();
      const r = spawnSync('runsc', [
        '--root',
        dir,
        '--platform=ptrace',
        '--network=none',
        'do',
        'true',
      ]);
      if (r.status !== 0) throw new Error(`runsc do failed: ${r.stderr}`);
      times.push(ms(t0));
    }
    return times;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A bare QEMU boot of the same kernel and initramfs to its first userspace line, then off. */
async function bareQemuBoot() {
  const config = loadConfig({ 'image-dir': IMAGE_DIR }, {});
  const image = await prepareImage(config, () => undefined);
  const times = [];
  for (let i = 0; i < N; i++) {
    const t0 = now();
    const problem = await probeMicrovm(image.vm, defaultAccel(), 60_000);
    if (problem) throw new Error(`bare QEMU boot failed: ${problem}`);
    times.push(ms(t0));
  }
  return times;
}

function bareSpawn() {
  const times = [];
  for (let i = 0; i < EXECS; i++) {
    const t0 = now();
    spawnSync('/bin/true');
    times.push(ms(t0));
  }
  return times;
}

async function backendRows(daemon, backend, spawnBase) {
  const baselines = {
    jail: ['bare `runc run` of true', () => bareRuntime('runc', [])],
    gvisor: ['bare `runsc do true`', bareRunscDo],
    microvm: [`bare QEMU boot (${defaultAccel()}) to first userspace line`, bareQemuBoot],
  };
  const [label, measure] = baselines[backend] ?? [];
  const xs = measure ? await measure() : undefined;
  const base = xs && { name: label, xs };
  const rows = base ? [row(label, xs)] : [];
  const { client } = daemon;
  rows.push(
    row(
      `${backend}: create -> first exec, cold`,
      await timeCreates(daemon, N, `bench-${backend}`, { backend }, { source: 'cold' }),
      base,
    ),
  );
  if (POOL > 0 && backend !== 'microvm') {
    // Each create served by a full pool (the pool refilled before each).
    const pooled = await timeCreates(
      daemon,
      N,
      `bench-pool-${backend}`,
      { backend, limits: POOL_LIMITS },
      { source: 'pool', before: () => daemon.poolReady(backend, POOL) },
    );
    rows.push(row(`${backend}: create -> first exec, from pool`, pooled, base));
  }
  if (backend === 'microvm') rows.push(...(await snapshotRows(N, SNAPSHOT_SUBNET, base)));
  rows.push(row(`${backend}: exec round trip`, await execRoundTrip(client, backend), spawnBase));
  rows.push(...(await fileIo(client, backend)));
  return rows;
}

/** Preview proxy throughput beside direct TCP to the sandbox (scripts/bench-proxy.mjs). */
async function proxyRows() {
  const { measureProxy } = await import('./bench-proxy.mjs');
  const r = await measureProxy();
  const direct = { name: 'direct TCP to the sandbox', value: r.directMiBps };
  return [figure(`jail: preview proxy, ${r.bodyMiB} MiB body`, r.proxiedMiBps, 'MiB/s', direct)];
}

async function main() {
  const dataDir = mkdtempSync('/tmp/paddock-bench-data-');
  // No microVM pool (under TCG its boots would load the machine through every other figure);
  // its fast path is the snapshot, measured on a daemon of its own (bench-snapshot.mjs).
  const pooled = BACKENDS.filter((b) => b !== 'microvm');
  const pool =
    POOL > 0 && pooled.length > 0
      ? pooled.map((b) => `${b}:${POOL}:pids=${POOL_LIMITS.pids}`).join(',')
      : 'none';
  // Snapshots off here, so the cold rows are cold.
  const daemon = await startDaemon(dataDir, SUBNET, pool, ['--snapshots', 'off']);
  const rows = [];
  try {
    const health = await daemon.client.health();
    const backends = health.backends.map((b) => b.name).filter((b) => BACKENDS.includes(b));
    const spawnXs = bareSpawn();
    const spawnBase = { name: 'bare host spawn of /bin/true', xs: spawnXs };
    rows.push(row(spawnBase.name, spawnXs));
    for (const backend of backends) rows.push(...(await backendRows(daemon, backend, spawnBase)));
    if (IDLE > 0 && backends.includes('jail')) rows.push(...(await density(daemon, IDLE)));
    rows.push(...(await proxyRows()));
  } finally {
    await shutdown(daemon, dataDir);
  }
  console.log(`\nPaddock bench (${N} sandboxes, ${EXECS} execs; ratio = p50 / baseline p50)\n`);
  console.table(rows);
  mkdirSync(join(ROOT, 'bench-results'), { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const file = join(ROOT, 'bench-results', `bench-${stamp}.json`);
  const doc = { at: new Date().toISOString(), n: N, execs: EXECS, pool: POOL, idle: IDLE, rows };
  writeFileSync(file, `${JSON.stringify(doc, null, 2)}\n`);
  console.log(`saved ${file}`);
}

await main();
