/**
 * Runs the built CLI (dist/main.js) as a child process against a fake daemon on 127.0.0.1:0,
 * and against a fake paddockd for the pass-through verbs.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const CLI = join(ROOT, 'packages/cli/dist/main.js');
const KEY = 'cli-test-key';

interface Seen {
  method: string;
  path: string;
  auth: string | undefined;
  body: Record<string, unknown> | undefined;
}

const seen: Seen[] = [];
let server: Server;
let url = '';
let tmp = '';

const info = (id: string) => ({
  id,
  state: 'running',
  backend: 'jail',
  isolation: 'namespace',
  createdAt: '2026-12-04T12:00:00.000Z',
  limits: { cpuMillis: 1000, memoryMiB: 256, diskMiB: 1024, pids: 256 },
});

/** The daemon routes the CLI uses, with canned answers keyed on the command sent. */
function answer(s: Seen): [number, unknown] {
  if (s.auth !== `Bearer ${KEY}`) return [401, { code: 'UNAUTHORIZED', message: 'bad key' }];
  if (s.method === 'POST' && s.path === '/v1/sandboxes')
    return [201, info(typeof s.body?.['id'] === 'string' ? s.body['id'] : 'gen-1')];
  if (s.method === 'GET' && s.path === '/v1/sandboxes')
    return [200, { sandboxes: [info('alpha'), info('beta')] }];
  if (s.path.startsWith('/v1/sandboxes/missing')) {
    return [404, { code: 'SANDBOX_NOT_FOUND', message: 'no sandbox "missing"' }];
  }
  if (s.method === 'DELETE') return [200, { id: s.path.split('/')[3], deleted: true }];
  const command = JSON.stringify(s.body?.['command']);
  if (command === '"sleep 9"') {
    const details = { stdout: 'partial-out', stderr: 'partial-err', duration: 100 };
    return [408, { code: 'COMMAND_TIMEOUT', message: 'killed after 100 ms', details }];
  }
  const exitCode = command === '["sh","-c","exit 7"]' ? 7 : 0;
  return [
    200,
    {
      success: exitCode === 0,
      exitCode,
      stdout: `out:${command}\n`,
      stderr: 'err-line\n',
      duration: 3,
    },
  ];
}

/** The canned exec answer as the daemon's SSE stream would carry it. */
function asEvents(status: number, body: unknown): string {
  const b = body as Record<string, any>;
  const out = status === 408 ? b['details'] : b;
  const events: object[] = [
    { type: 'start', pid: 42 },
    { type: 'stdout', data: out.stdout },
    { type: 'stderr', data: out.stderr },
    status === 408
      ? { type: 'error', code: 'COMMAND_TIMEOUT', message: b['message'] }
      : { type: 'complete', exitCode: b['exitCode'], duration: b['duration'] },
  ];
  return events.map((e: any) => `event: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`).join('');
}

beforeAll(async () => {
  // Build the CLI (and the SDK and protocol it needs); incremental, so quick when up to date.
  await promisify(execFile)(
    process.execPath,
    [join(ROOT, 'node_modules/typescript/bin/tsc'), '-b', 'packages/cli'],
    {
      cwd: ROOT,
    },
  );
  server = createServer((req, res) => {
    let data = '';
    req.on('data', (c: Buffer) => (data += c.toString()));
    req.on('end', () => {
      const s: Seen = {
        method: req.method ?? '',
        path: req.url ?? '',
        auth: req.headers.authorization,
        body: data ? (JSON.parse(data) as Record<string, unknown>) : undefined,
      };
      seen.push(s);
      const [status, body] = answer(s);
      if (s.path.endsWith('/exec/stream') && (status === 200 || status === 408)) {
        res.writeHead(200, { 'content-type': 'text/event-stream' }).end(asEvents(status, body));
        return;
      }
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  tmp = mkdtempSync(join(tmpdir(), 'paddock-cli-main-'));
}, 120_000);

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  rmSync(tmp, { recursive: true, force: true });
});

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Run the CLI asynchronously (the fake daemon lives in this process and must keep serving). */
function cli(args: string[], env: Record<string, string> = {}, onStart?: (pid: number) => void) {
  return new Promise<Run>((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      env: { PATH: process.env['PATH'] ?? '', PADDOCK_URL: url, PADDOCK_API_KEY: KEY, ...env },
    });
    let stdout = '';
    let stderr = '';
    let started = false;
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString();
      if (!started && stdout.includes('ready')) {
        started = true;
        onStart?.(child.pid ?? 0);
      }
    });
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

describe('paddock (built) against a fake daemon', () => {
  it('create prints the id and sends limits and env', async () => {
    const r = await cli(['create', 'box', '--memory', '512', '--env', 'A=1']);
    expect(r).toMatchObject({ code: 0, stdout: 'box\n', stderr: '' });
    expect(seen.at(-1)).toMatchObject({
      method: 'POST',
      path: '/v1/sandboxes',
      auth: `Bearer ${KEY}`,
      body: { id: 'box', limits: { memoryMiB: 512 }, env: { A: '1' } },
    });
  });

  it('ls prints a table, and JSON with --json', async () => {
    const table = await cli(['ls']);
    expect(table.code).toBe(0);
    const lines = table.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ID\s+STATE\s+BACKEND\s+ISOLATION\s+CREATED$/);
    expect(lines.slice(1).map((l) => l.split(/\s+/)[0])).toEqual(['alpha', 'beta']);
    const json = await cli(['ls', '--json']);
    expect((JSON.parse(json.stdout) as { id: string }[]).map((s) => s.id)).toEqual([
      'alpha',
      'beta',
    ]);
  });

  it('exec streams output and passes the exit code through, without creating the sandbox', async () => {
    const before = seen.length;
    const r = await cli(['exec', 'box', '--', 'sh', '-c', 'exit 7']);
    expect(r).toMatchObject({
      code: 7,
      stdout: 'out:["sh","-c","exit 7"]\n',
      stderr: 'err-line\n',
    });
    expect(seen.slice(before).map((s) => `${s.method} ${s.path}`)).toEqual([
      'POST /v1/sandboxes/box/exec/stream',
    ]);
    const ok = await cli(['exec', 'box', '--', 'echo hi | cat']);
    expect(ok).toMatchObject({ code: 0, stdout: 'out:"echo hi | cat"\n' });
  });

  it('exec exits 124 on a command timeout, after relaying the partial output', async () => {
    const r = await cli(['exec', 'box', '--timeout', '100', '--', 'sleep 9']);
    expect(r.code).toBe(124);
    expect(r.stdout).toBe('partial-out');
    expect(r.stderr).toMatch(/^partial-err\nerror \[COMMAND_TIMEOUT\]: killed after 100 ms\n$/);
  });

  it('prints SDK errors as "error [CODE]: message" with exit code 1', async () => {
    const r = await cli(['exec', 'missing', '--', 'true']);
    expect(r).toMatchObject({
      code: 1,
      stdout: '',
      stderr: 'error [SANDBOX_NOT_FOUND]: no sandbox "missing"\n',
    });
    const bad = await cli(['ls', '--api-key', 'wrong']);
    expect(bad).toMatchObject({ code: 1, stderr: 'error [UNAUTHORIZED]: bad key\n' });
  });

  it('rm removes each id, reports failures and exits 1 if any failed', async () => {
    const r = await cli(['rm', 'a', 'missing', 'b']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('a\nb\n');
    expect(r.stderr).toContain('error [SANDBOX_NOT_FOUND]');
  });

  it('falls back to the key the daemon left in its data directory', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'paddock-cli-key-'));
    try {
      writeFileSync(join(dir, 'api-key'), `${KEY}\n`);
      const r = await cli(['ls', '--json'], { PADDOCK_API_KEY: '', PADDOCK_DATA_DIR: dir });
      expect(r.code).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('explains a missing key, an unreachable daemon and a usage error', async () => {
    const noKey = await cli(['ls'], { PADDOCK_API_KEY: '', PADDOCK_DATA_DIR: '/nonexistent' });
    expect(noKey).toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/PADDOCK_API_KEY or pass --api-key/),
    });
    const down = await cli(['ls', '--url', 'http://127.0.0.1:1']);
    expect(down.code).toBe(1);
    expect(down.stderr).toMatch(
      /Cannot reach the Paddock daemon at http:\/\/127\.0\.0\.1:1 .*paddock serve/,
    );
    const usage = await cli(['create', '--memory', 'lots']);
    expect(usage).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/--memory expects a whole number/),
    });
  });

  it('prints the version and per-command help', async () => {
    expect((await cli(['--version'])).stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
    const help = await cli(['exec', '--help']);
    expect(help).toMatchObject({
      code: 0,
      stdout: expect.stringMatching(/^Usage: paddock exec <id>/),
    });
  });
});

describe('paddock setup/serve pass through to paddockd', () => {
  function fakeDaemon(body: string): string {
    const path = join(tmp, `paddockd-${Math.random().toString(36).slice(2)}.mjs`);
    writeFileSync(path, body);
    return path;
  }

  it('runs paddockd with the same arguments and returns its exit code', async () => {
    const bin = fakeDaemon('console.log(JSON.stringify(process.argv.slice(2))); process.exit(3);');
    const r = await cli(['setup', '--data-dir', '/x', '--help'], { PADDOCK_DAEMON_BIN: bin });
    expect(r).toMatchObject({ code: 3, stdout: '["setup","--data-dir","/x","--help"]\n' });
  });

  it('forwards SIGTERM to paddockd and dies by the signal paddockd dies by', async () => {
    const graceful = fakeDaemon(
      "process.on('SIGTERM', () => { console.log('got SIGTERM'); process.exit(0); });" +
        "console.log('ready'); setInterval(() => {}, 1000);",
    );
    const r = await cli(['serve'], { PADDOCK_DAEMON_BIN: graceful }, (pid) =>
      process.kill(pid, 'SIGTERM'),
    );
    expect(r).toMatchObject({ code: 0, stdout: 'ready\ngot SIGTERM\n' });
    const killed = fakeDaemon("process.kill(process.pid, 'SIGKILL');");
    expect(await cli(['serve'], { PADDOCK_DAEMON_BIN: killed })).toMatchObject({
      code: null,
      signal: 'SIGKILL',
    });
  });

  it('fails clearly when PADDOCK_DAEMON_BIN points nowhere', async () => {
    const r = await cli(['serve'], { PADDOCK_DAEMON_BIN: join(tmp, 'absent') });
    expect(r).toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/PADDOCK_DAEMON_BIN is .*does not exist/),
    });
  });
});
