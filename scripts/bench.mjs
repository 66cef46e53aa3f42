// npm run bench: Paddock's speed beside baselines measured in the same run, as ratios.
//   create->first exec per backend (p50, p90 over N sandboxes) vs a bare runtime start of `true`
//   (runc run, runsc do) or a bare QEMU boot of the same kernel to its first userspace line;
//   exec round trip vs a bare host spawn. Prints a table and saves JSON in bench-results/.
// Needs root, a built tree and the guest image (scripts/test.sh or scripts/install.sh does both).
// BENCH_SANDBOXES (default 10), BENCH_EXECS (50), BENCH_BACKENDS (e.g. jail,gvisor) tune it.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { Paddock, getSandbox } from '../packages/sdk/dist/index.js';
import { prepareImage } from '../packages/daemon/dist/app.js';
import { defaultAccel } from '../packages/daemon/dist/backends/microvm/index.js';
import { probeMicrovm } from '../packages/daemon/dist/backends/microvm/probe.js';
import { loadConfig } from '../packages/daemon/dist/config.js';

const ROOT = join(import.meta.dirname, '..');
const N = Number(process.env.BENCH_SANDBOXES ?? 10);
const EXECS = Number(process.env.BENCH_EXECS ?? 50);
const IMAGE_DIR = process.env.PADDOCK_IMAGE_DIR ?? '/var/lib/paddock/images';

// Moved by PADDOCK_TEST_NET_BASE like the e2e tests' subnets (see test/e2e/harness.ts).
const SUBNET = `10.${Number(process.env.PADDOCK_TEST_NET_BASE ?? 213) + 9}.0.0/16`;

const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};
const ms = (t0) => Number(process.hrtime.bigint() - t0) / 1e6;
const now = () => process.hrtime.bigint();

async function startDaemon(dataDir) {
  const args = ['packages/daemon/dist/main.js', 'serve', '--data-dir', dataDir];
  args.push('--image-dir', IMAGE_DIR, '--listen', '127.0.0.1:0', '--subnet', SUBNET);
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'ignore'] });
  let apiKey = '';
  const url = await new Promise((resolve, reject) => {
    createInterface({ input: child.stdout }).on('line', (line) => {
      const ev = JSON.parse(line);
      if (ev.event === 'api-key-created') apiKey = ev.apiKey;
      if (ev.event === 'listening') resolve(ev.url);
    });
    child.once('exit', (code) => reject(new Error(`daemon exited ${code}`)));
  });
  return { child, client: new Paddock({ url, apiKey }) };
}

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

async function createToFirstExec(client, backend) {
  const times = [];
  for (let i = 0; i < N; i++) {
    const sb = getSandbox(client, `bench-${backend}-${i}`);
    const t0 = now();
    await client.createSandbox({ id: sb.id, backend });
    await sb.exec('true');
    times.push(ms(t0));
    await sb.destroy();
  }
  return times;
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

const row = (name, xs, base) => ({
  name,
  p50: +pct(xs, 50).toFixed(1),
  p90: +pct(xs, 90).toFixed(1),
  ratioP50: base ? +(pct(xs, 50) / pct(base, 50)).toFixed(2) : undefined,
});

async function main() {
  const dataDir = mkdtempSync('/tmp/paddock-bench-data-');
  const { child, client } = await startDaemon(dataDir);
  const rows = [];
  try {
    const health = await client.health();
    const backends = health.backends.map((b) => b.name);
    const spawnBase = bareSpawn();
    rows.push(row('bare host spawn of /bin/true', spawnBase));
    const baselines = {
      jail: ['bare `runc run` of true', () => bareRuntime('runc', [])],
      gvisor: ['bare `runsc do true`', bareRunscDo],
      microvm: [`bare QEMU boot (${defaultAccel()}) to first userspace line`, bareQemuBoot],
    };
    const only = process.env.BENCH_BACKENDS?.split(',');
    for (const backend of backends.filter((b) => !only || only.includes(b))) {
      const [label, measure] = baselines[backend] ?? [];
      const base = measure ? await measure() : undefined;
      if (base) rows.push(row(label, base));
      rows.push(
        row(`${backend}: create -> first exec`, await createToFirstExec(client, backend), base),
      );
      rows.push(
        row(`${backend}: exec round trip`, await execRoundTrip(client, backend), spawnBase),
      );
    }
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    rmSync(dataDir, { recursive: true, force: true });
  }
  console.log(`\nPaddock bench (${N} sandboxes, ${EXECS} execs; ms; ratio = p50 / baseline p50)\n`);
  console.table(rows);
  mkdirSync(join(ROOT, 'bench-results'), { recursive: true });
  const file = join(
    ROOT,
    'bench-results',
    `bench-${new Date().toISOString().replace(/[:.]/g, '-')}.json`,
  );
  writeFileSync(file, `${JSON.stringify({ at: new Date().toISOString(), n: N, rows }, null, 2)}\n`);
  console.log(`saved ${file}`);
}

await main();
