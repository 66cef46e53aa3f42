/**
 * The shipped artifact: scripts/bundle-agent.mjs builds one file, and that file, run as the
 * sandbox runs it (env token and listen address), serves the protocol.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, rmdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WORKSPACE_DIR } from '@paddock/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));
const TOKEN = 'bundle-test-token';
let dir: string;
let bundle: string;
const children: ChildProcess[] = [];
const workspaceExisted = existsSync(WORKSPACE_DIR);
const cgroups: string[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'paddock-agent-bundle-'));
  bundle = join(dir, 'agent.mjs');
  execFileSync(process.execPath, ['scripts/bundle-agent.mjs', '--outfile', bundle], {
    cwd: repoRoot,
    stdio: 'ignore',
  });
}, 60_000);

afterAll(async () => {
  for (const child of children)
    if (child.exitCode === null && child.pid) process.kill(child.pid, 'SIGKILL');
  await rm(dir, { recursive: true, force: true });
  for (const cg of cgroups) await removeCgroup(cg);
  // The agent creates /workspace at start; remove it again if this test was the one to make it.
  if (
    !workspaceExisted &&
    existsSync(WORKSPACE_DIR) &&
    (await readdir(WORKSPACE_DIR)).length === 0
  ) {
    await rmdir(WORKSPACE_DIR).catch(() => {});
  }
});

function run(env: Record<string, string>): ChildProcess {
  const base = { PATH: process.env['PATH'] ?? '/usr/bin:/bin' };
  const child = spawn(process.execPath, [bundle], {
    env: { ...base, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  children.push(child);
  return child;
}

function exited(child: ChildProcess): Promise<{ code: number | null; stderr: string }> {
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, stderr })));
}

function listening(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let seen = '';
    child.stderr?.on('data', (c: Buffer) => {
      seen += c.toString();
      const m = /listening on ([\d.]+:\d+)/.exec(seen);
      if (m?.[1]) resolve(`http://${m[1]}`);
    });
    child.once('exit', (code) => reject(new Error(`agent exited with ${code}: ${seen}`)));
  });
}

describe('bundled agent', () => {
  it('is one file importing only Node builtins', async () => {
    const text = await readFile(bundle, 'utf8');
    const imports = [...text.matchAll(/^import .* from "([^"]+)";$/gm)].map((m) => m[1]);
    expect(imports.length).toBeGreaterThan(0);
    expect(imports.filter((i) => !i?.startsWith('node:'))).toEqual([]);
    expect(text.startsWith('// Paddock sandbox agent')).toBe(true);
  });

  it('refuses to start without a token (exit 2)', async () => {
    const r = await exited(run({}));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('PADDOCK_AGENT_TOKEN is not set');
  });

  it('refuses a malformed listen address (exit 2)', async () => {
    const r = await exited(run({ PADDOCK_AGENT_TOKEN: TOKEN, PADDOCK_AGENT_LISTEN: 'nowhere' }));
    expect(r.code).toBe(2);
  });

  it('serves /health, hides its variables from commands and exits 0 on SIGTERM', async () => {
    const child = run({
      PADDOCK_AGENT_TOKEN: TOKEN,
      PADDOCK_AGENT_LISTEN: '127.0.0.1:0',
      KEEP_ME: 'yes',
    });
    const url = await listening(child);
    const headers = { authorization: `Bearer ${TOKEN}` };
    const health = await fetch(`${url}/health`, { headers });
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok', protocol: 1 });
    const execRes = await fetch(`${url}/exec`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ command: ['env'], cwd: '/' }),
    });
    const result = (await execRes.json()) as { stdout: string };
    expect(result.stdout).toContain('KEEP_ME=yes');
    expect(result.stdout).not.toContain('PADDOCK_AGENT');
    const done = exited(child);
    child.kill('SIGTERM');
    expect((await done).code).toBe(0);
  });
});

/** A pids cgroup hierarchy this process may create groups in (cgroup v1, or v2 with pids on). */
function pidsCgroupRoot(): string | undefined {
  if (existsSync('/sys/fs/cgroup/pids/cgroup.procs')) return '/sys/fs/cgroup/pids';
  const v2 = '/sys/fs/cgroup/cgroup.subtree_control';
  if (existsSync(v2) && readFileSync(v2, 'utf8').split(/\s+/).includes('pids'))
    return '/sys/fs/cgroup';
  return undefined;
}

/** rmdir of a cgroup fails while its last (zombie) tasks are being reaped; retry briefly. */
async function removeCgroup(cg: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    try {
      await rmdir(cg);
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

describe('bundled agent under a full process table', () => {
  it('answers exit code 126 instead of crashing, and recovers', async (ctx) => {
    const root = pidsCgroupRoot();
    if (!root) return ctx.skip();
    const cg = join(root, `paddock-agent-test-${process.pid}`);
    try {
      await mkdir(cg);
    } catch {
      return ctx.skip(); // not root, or the hierarchy is read-only here
    }
    cgroups.push(cg);
    const child = run({ PADDOCK_AGENT_TOKEN: TOKEN, PADDOCK_AGENT_LISTEN: '127.0.0.1:0' });
    await writeFile(join(cg, 'cgroup.procs'), String(child.pid));
    const url = await listening(child);
    // Freeze the limit at the agent's own thread count: any fork now fails with EAGAIN.
    await writeFile(
      join(cg, 'pids.max'),
      (await readFile(join(cg, 'pids.current'), 'utf8')).trim(),
    );
    const post = async (path: string, body: unknown): Promise<Record<string, unknown>> => {
      const headers = { authorization: `Bearer ${TOKEN}` };
      const res = await fetch(`${url}${path}`, {
        method: 'POST',
        headers,
        body: JSON.stringify(body),
      });
      return (await res.json()) as Record<string, unknown>;
    };
    const full = await post('/exec', { command: ['true'], cwd: '/' });
    expect(full).toMatchObject({ success: false, exitCode: 126 });
    expect(full['stderr']).toContain('process limit');
    expect(
      await post('/files/write', { path: join(dir, 'still-works.txt'), content: 'ok' }),
    ).toMatchObject({
      bytes: 2,
    });
    await writeFile(join(cg, 'pids.max'), 'max');
    expect(await post('/exec', { command: ['true'], cwd: '/' })).toMatchObject({ exitCode: 0 });
    const done = exited(child);
    child.kill('SIGTERM');
    expect((await done).code).toBe(0);
  });
});
