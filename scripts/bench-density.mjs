// Parts of scripts/bench.mjs: file I/O through a sandbox vs the host disk, and idle density.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { getSandbox } from '../packages/sdk/dist/index.js';
import { cgroupUsage } from '../packages/daemon/dist/host/cgroup-stats.js';
import { bounded, figure, memAvailable, ms, now, pct, row, rssOf, sleep } from './bench-lib.mjs';

const MiB = 1024 * 1024;
const FILE_MIB = 100;
const ROUNDS = Number(process.env.BENCH_FILE_ROUNDS ?? 3);

/** Wall time of `dd` writing FILE_MIB MiB with fsync, or reading it back, in `dir`. */
const DD_WRITE = (f) => `dd if=/dev/zero of=${f} bs=1M count=${FILE_MIB} conv=fsync status=none`;
const DD_READ = (f) => `dd if=${f} of=/dev/null bs=1M status=none`;

/** Host baseline: `cmd` timed ROUNDS times on the host filesystem (after `setup`, untimed). */
function hostTimes(cmd, setup) {
  const dir = mkdtempSync('/tmp/paddock-bench-io-');
  const f = join(dir, 'f');
  try {
    if (setup) spawnSync('bash', ['-c', setup(f)]);
    const xs = [];
    for (let i = 0; i < ROUNDS; i++) {
      const t0 = now();
      const r = spawnSync('bash', ['-c', cmd(f)]);
      if (r.status !== 0) throw new Error(`host ${cmd(f)} failed: ${r.stderr}`);
      xs.push(ms(t0));
    }
    return xs;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** In-sandbox dd: the sandbox's disk (loop ext4 under an overlay) vs the host's filesystem. */
async function ddRows(sb, backend) {
  const write = { name: `host dd write ${FILE_MIB} MiB + fsync`, xs: hostTimes(DD_WRITE) };
  // Both reads follow a write of the same file, so both come from the page cache.
  const read = { name: `host dd read ${FILE_MIB} MiB`, xs: hostTimes(DD_READ, DD_WRITE) };
  const inWrite = [];
  const inRead = [];
  for (let i = 0; i < ROUNDS; i++) {
    let t0 = now();
    await sb.exec(DD_WRITE('/workspace/dd'), { timeout: 120_000 });
    inWrite.push(ms(t0));
    t0 = now();
    await sb.exec(DD_READ('/workspace/dd'), { timeout: 120_000 });
    inRead.push(ms(t0));
  }
  return [
    row(write.name, write.xs),
    row(`${backend}: dd write ${FILE_MIB} MiB + fsync in the sandbox`, inWrite, write),
    row(read.name, read.xs),
    row(`${backend}: dd read ${FILE_MIB} MiB in the sandbox`, inRead, read),
  ];
}

/** Through the API: a streamed upload and download of FILE_MIB MiB vs host file write and read. */
async function apiRows(sb, backend) {
  const buf = Buffer.alloc(FILE_MIB * MiB, 7);
  const dir = mkdtempSync('/tmp/paddock-bench-io-');
  const hw = [];
  const hr = [];
  const up = [];
  const down = [];
  try {
    for (let i = 0; i < ROUNDS; i++) {
      let t0 = now();
      writeFileSync(join(dir, 'f'), buf);
      hw.push(ms(t0));
      t0 = now();
      readFileSync(join(dir, 'f'));
      hr.push(ms(t0));
      t0 = now();
      await sb.writeFile('/workspace/api', Readable.toWeb(Readable.from([buf])));
      up.push(ms(t0));
      t0 = now();
      let got = 0;
      for await (const chunk of await sb.readFileStream('/workspace/api')) got += chunk.length;
      if (got !== buf.length) throw new Error(`read ${got} of ${buf.length} bytes`);
      down.push(ms(t0));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const hostW = { name: `host file write ${FILE_MIB} MiB`, xs: hw };
  const hostR = { name: `host file read ${FILE_MIB} MiB`, xs: hr };
  return [
    row(hostW.name, hw),
    row(`${backend}: upload ${FILE_MIB} MiB through the API`, up, hostW),
    row(hostR.name, hr),
    row(`${backend}: download ${FILE_MIB} MiB through the API`, down, hostR),
  ];
}

export async function fileIo(client, backend) {
  const sb = getSandbox(client, `bench-io-${backend}`);
  await client.createSandbox({ id: sb.id, backend, limits: { diskMiB: 1024 } });
  try {
    return [...(await apiRows(sb, backend)), ...(await ddRows(sb, backend))];
  } finally {
    await sb.destroy();
  }
}

/** RSS of a bare idle Node process on the host: what the agent's runtime costs by itself. */
async function bareNodeRss() {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1e9)'], { stdio: 'ignore' });
  await sleep(1500);
  const rss = rssOf(child.pid);
  child.kill('SIGKILL');
  return rss;
}

/**
 * Idle sandboxes held on the jail: `count` made (16 at a time), left idle, then host memory,
 * cgroup memory and CPU per sandbox, and the daemon's RSS per sandbox.
 */
export async function density(daemon, count) {
  const { client } = daemon;
  const ids = Array.from({ length: count }, (_, i) => `bench-idle-${i}`);
  const baseRss = rssOf(daemon.child.pid);
  const availBefore = memAvailable();
  await bounded(ids, 16, (id) => client.createSandbox({ id, backend: 'jail' }));
  try {
    await sleep(10_000); // agents settle (JIT, GC) before idle figures are read
    const names = ids.map((id) => daemon.created.get(id).name);
    const usage0 = await Promise.all(names.map((n) => cgroupUsage(`/paddock/${n}`)));
    const t0 = now();
    await sleep(10_000);
    const usage1 = await Promise.all(names.map((n) => cgroupUsage(`/paddock/${n}`)));
    const wallNs = ms(t0) * 1e6;
    const cpuPct = usage1.map((u, i) => (100 * (u.cpuNanos - usage0[i].cpuNanos)) / wallNs);
    const mem = usage1.map((u) => u.memoryBytes / MiB);
    const anon = usage1.map((u) => u.memoryRssBytes / MiB);
    // Noisy where other work runs on the host; the projection below uses the cgroups' figures.
    const hostPer = (availBefore - memAvailable()) / count / MiB;
    const daemonPer = (rssOf(daemon.child.pid) - baseRss) / count / 1024;
    const nodeMiB = (await bareNodeRss()) / MiB;
    const node = { name: 'bare idle node process RSS', value: nodeMiB };
    const avg = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
    return [
      figure(`jail: idle sandboxes held at once`, count, 'sandboxes'),
      figure(`jail: host memory per idle sandbox (MemAvailable drop)`, hostPer, 'MiB', node),
      figure(
        `jail: => idle sandboxes within 20 GiB (cgroup memory p50 + daemon share)`,
        (20 * 1024) / (pct(mem, 50) + daemonPer / 1024),
        'sandboxes',
      ),
      row(
        `jail: cgroup memory per idle sandbox (incl. cache)`,
        mem,
        { name: node.name, xs: [nodeMiB] },
        'MiB',
      ),
      row(
        `jail: cgroup anon memory per idle sandbox`,
        anon,
        { name: node.name, xs: [nodeMiB] },
        'MiB',
      ),
      row(`jail: idle CPU per sandbox over 10 s`, cpuPct, undefined, '% of a core'),
      figure(`daemon RSS per sandbox`, daemonPer, 'KiB', {
        name: 'daemon RSS at start',
        value: baseRss / 1024,
      }),
      figure(`jail: mean idle CPU, all ${count} sandboxes`, avg(cpuPct) * count, '% of a core'),
    ];
  } finally {
    await bounded(ids, 8, (id) =>
      getSandbox(client, id)
        .destroy()
        .catch(() => undefined),
    );
  }
}
