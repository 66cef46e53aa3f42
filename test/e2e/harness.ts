/**
 * Test fixtures: a real daemon (the built paddockd) started as a child process on a temporary
 * data directory, a port chosen by the kernel and its own sandbox subnet; and leak checks for
 * everything a sandbox puts on the host.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import {
  createWriteStream,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
} from 'node:fs';
import { createInterface } from 'node:readline';
import { basename, join } from 'node:path';

const ROOT = join(import.meta.dirname, '..', '..');
export const DAEMON = join(ROOT, 'packages', 'daemon', 'dist', 'main.js');
export const CLI = join(ROOT, 'packages', 'cli', 'dist', 'main.js');
const LOG_DIR = join(ROOT, '.paddock-test', 'logs');
export const IMAGE_DIR = process.env['PADDOCK_IMAGE_DIR'] ?? '/var/lib/paddock/images';

export interface TestDaemon {
  url: string;
  apiKey: string;
  dataDir: string;
  child: ChildProcess;
  log: string[];
  /** The preview proxy: host-form port and the path-form base URL. */
  preview: { port: number; pathBase: string };
  stop(): Promise<void>;
}

export interface DaemonOptions {
  backend?: string;
  subnet?: string;
  dataDir?: string;
  env?: Record<string, string>;
}

export async function startDaemon(opts: DaemonOptions = {}): Promise<TestDaemon> {
  const dataDir = opts.dataDir ?? mkdtempSync('/tmp/paddock-e2e-');
  const args = [
    DAEMON,
    'serve',
    '--data-dir',
    dataDir,
    '--image-dir',
    IMAGE_DIR,
    '--listen',
    '127.0.0.1:0',
    // Preview listeners on ports the kernel picks, so test daemons never collide.
    '--preview-listen',
    '127.0.0.1:0',
    '--preview-path-listen',
    '127.0.0.1:0',
  ];
  args.push('--subnet', testSubnet(opts.subnet ?? '10.214.0.0/16'));
  args.push('--backend', opts.backend ?? 'jail');
  // Tests make requests in quick loops; the rate-limit test sets its own low limit.
  // No warm pool or snapshots unless a test asks (pool, snapshot tests): others count their
  // sandboxes exactly.
  const env = {
    ...process.env,
    PADDOCK_RATE_LIMIT: '1000/5000',
    PADDOCK_POOL: 'none',
    PADDOCK_SNAPSHOTS: 'off',
    ...opts.env,
  };
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
  const log: string[] = [];
  // The daemon log is kept as an artefact of the run (never holds secrets: it redacts keys).
  mkdirSync(LOG_DIR, { recursive: true });
  // Appended, so a restarted daemon's log follows its predecessor's (hostTraces reads both).
  const logFile = createWriteStream(logPathOf(dataDir), { flags: 'a' });
  child.stderr?.on('data', (d: Buffer) => {
    log.push(d.toString());
    logFile.write(d);
  });
  let apiKey = existsSync(join(dataDir, 'api-key'))
    ? readFileSync(join(dataDir, 'api-key'), 'utf8').trim()
    : '';
  let preview = { port: 0, pathBase: '' };
  const url = await new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout });
    lines.on('line', (line) => {
      const ev = safeJson(line);
      if (ev?.['event'] === 'api-key-created') apiKey = String(ev['apiKey']);
      if (ev?.['event'] === 'listening') {
        preview = ev['preview'] as typeof preview;
        resolve(String(ev['url']));
      }
    });
    child.once('exit', (code) => reject(new Error(`daemon exited ${code}: ${log.join('')}`)));
  }).catch((err: unknown) => {
    // A daemon that never came up leaves no data directory behind (unless the caller gave it).
    if (!opts.dataDir) removeDataDir(dataDir);
    throw err;
  });
  const stop = async () => {
    if (child.exitCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  };
  return { url, apiKey, dataDir, child, log, preview, stop };
}

function safeJson(line: string): Record<string, unknown> | undefined {
  try {
    return JSON.parse(line) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

/**
 * The subnet a test asks for, moved by PADDOCK_TEST_NET_BASE (the second octet that 10.213 maps
 * to), so test runs in two checkouts on one machine never share sandbox addresses.
 */
export function testSubnet(subnet: string): string {
  const base = Number(process.env['PADDOCK_TEST_NET_BASE'] ?? 213);
  const m = /^10\.(\d+)\.0\.0\/16$/.exec(subnet);
  if (!m || base === 213) return subnet;
  const octet = Number(m[1]) - 213 + base;
  if (octet < 1 || octet > 254)
    throw new Error(`PADDOCK_TEST_NET_BASE moves ${subnet} out of 10/8`);
  return `10.${octet}.0.0/16`;
}

function logPathOf(dataDir: string): string {
  return join(LOG_DIR, `daemon-${basename(dataDir)}.log`);
}

export function removeDataDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** What the host holds for sandboxes: used to prove destroy leaves nothing behind. */
export interface HostTraces {
  mounts: string[];
  netns: string[];
  links: string[];
  cgroups: string[];
  sandboxDirs: string[];
}

/** Every sandbox name a daemon on this data dir has had (its dirs now, earlier, or its log). */
const namesSeen = new Map<string, Set<string>>();

function daemonSandboxNames(dataDir: string): Set<string> {
  const names = namesSeen.get(dataDir) ?? new Set<string>();
  namesSeen.set(dataDir, names);
  const dir = join(dataDir, 'sandboxes');
  if (existsSync(dir)) for (const n of readdirSync(dir)) names.add(n);
  const log = logPathOf(dataDir);
  if (existsSync(log)) {
    for (const m of readFileSync(log, 'utf8').matchAll(/"name":"(pdk[0-9a-f]+)"/g)) {
      names.add(m[1] as string);
    }
  }
  return names;
}

/**
 * Host traces of this daemon's sandboxes only (other checkouts may run tests at the same time):
 * netns, links and cgroups are counted when they carry a name this daemon used.
 */
export function hostTraces(dataDir: string): HostTraces {
  const all = allHostTraces(dataDir);
  const names = daemonSandboxNames(dataDir);
  const ours = (n: string) => [...names].some((name) => n.includes(name));
  return {
    ...all,
    netns: all.netns.filter(ours),
    links: all.links.filter(ours),
    cgroups: all.cgroups.filter(ours),
  };
}

function allHostTraces(dataDir: string): HostTraces {
  const mounts = readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[4] ?? '')
    .filter((p) => p.startsWith(dataDir));
  const netns = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' })
    .split('\n')
    .map((l) => l.split(' ')[0] ?? '')
    .filter((n) => n.startsWith('pdk'));
  const links = execFileSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8' })
    .split('\n')
    .map((l) => (l.split(': ')[1] ?? '').split('@')[0] ?? '')
    .filter((n) => n.startsWith('pdk'));
  const cgroups = cgroupNames();
  const dir = join(dataDir, 'sandboxes');
  const sandboxDirs = existsSync(dir) ? readdirSync(dir) : [];
  return { mounts, netns, links, cgroups, sandboxDirs };
}

function cgroupNames(): string[] {
  const out: string[] = [];
  for (const controller of readdirSync('/sys/fs/cgroup')) {
    const dir = join('/sys/fs/cgroup', controller, 'paddock');
    if (!existsSync(dir)) continue;
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (e.isDirectory()) out.push(`${controller}/paddock/${e.name}`);
    }
  }
  return out;
}

/** What hostTraces finds once every sandbox of a daemon is gone. */
export const NO_TRACES: HostTraces = {
  mounts: [],
  netns: [],
  links: [],
  cgroups: [],
  sandboxDirs: [],
};

/** Where a daemon's log (its lines, or a log file's path) says a sandbox came from (`pool`, `snapshot` or `cold`). */
export function createdFrom(from: TestDaemon | string, id: string): string | undefined {
  const log = typeof from === 'string' ? readFileSync(from, 'utf8') : from.log.join('');
  const line = log
    .split('\n')
    .find((l) => l.includes('"msg":"sandbox created"') && l.includes(`"id":"${id}"`));
  return line ? (JSON.parse(line) as { source?: string }).source : undefined;
}

/** The status an agent answers a health check with this token (200, or 401 for a wrong one). */
export async function agentStatus(ip: string, token: string): Promise<number> {
  const res = await fetch(`http://${ip}:49983/health`, {
    headers: { authorization: `Bearer ${token}` },
  });
  await res.arrayBuffer();
  return res.status;
}

function snapshotDir(daemon: TestDaemon): string | undefined {
  const dir = join(daemon.dataDir, 'snapshots');
  const done = existsSync(dir) ? readdirSync(dir).filter((n) => !n.endsWith('.tmp')) : [];
  return done[0] === undefined ? undefined : join(dir, done[0]);
}

/** The first snapshot template the daemon made (microvm, `PADDOCK_SNAPSHOTS=on`), once saved. */
export async function snapshotReady(daemon: TestDaemon): Promise<string> {
  for (let i = 0; i < 1800; i++) {
    const dir = snapshotDir(daemon);
    if (dir && existsSync(join(dir, 'meta.json'))) return dir;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no snapshot was made: ${daemon.log.join('').slice(-2000)}`);
}
