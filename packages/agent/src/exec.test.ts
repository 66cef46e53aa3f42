import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execResultSchema, MAX_JSON_BODY_BYTES, parse } from '@paddock/protocol';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { COMMAND_OOM_SCORE_ADJ, exitCodeOf } from './child.js';
import { commandEnv, spawnFailure } from './exec.js';
import { startTestAgent, type TestAgent } from './testing.js';

let agent: TestAgent;
/** Pids of background processes a test started; killed after each test whatever happened. */
const leftovers: number[] = [];

beforeAll(async () => {
  agent = await startTestAgent({
    env: { PATH: process.env['PATH'], PADDOCK_AGENT_TOKEN: 'leak', SANDBOX_VAR: 'kept' },
  });
});
afterEach(() => {
  for (const pid of leftovers.splice(0)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone, as it should be
    }
  }
});
afterAll(async () => {
  await agent.close();
});

const exec = (body: unknown) => agent.call('/exec', { body });

/** Alive means signalable and not a zombie waiting for init to reap it. */
async function alive(pid: number): Promise<boolean> {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  return stat !== '' && !/^\d+ \(.*\) Z/.test(stat);
}

async function waitGone(pid: number, ms = 3000): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (!(await alive(pid))) return true;
    await new Promise((r) => setTimeout(r, 25));
  }
  return false;
}

describe('exec results', () => {
  it("makes commands the OOM killer's first choice, not the agent", async () => {
    // The agent sets the score right after spawn; a process forked after that inherits it.
    const r = await exec({ command: 'sleep 0.05; cat /proc/self/oom_score_adj' });
    expect(r.body.stdout).toBe(`${COMMAND_OOM_SCORE_ADJ}\n`);
  });

  it('runs a shell string and reports stdout', async () => {
    const r = await exec({ command: 'echo hello' });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ success: true, exitCode: 0, stdout: 'hello\n', stderr: '' });
    expect(Number.isInteger(r.body.duration)).toBe(true);
    expect(r.body).not.toHaveProperty('truncated');
    expect(parse(execResultSchema, r.body).ok).toBe(true);
  });

  it('reports exit codes and stderr', async () => {
    const r = await exec({ command: 'echo oops >&2; exit 3' });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ success: false, exitCode: 3, stdout: '', stderr: 'oops\n' });
  });

  it('reports a signal death as 128 + signal', async () => {
    expect((await exec({ command: 'kill -9 $$' })).body.exitCode).toBe(137);
    expect((await exec({ command: ['sh', '-c', 'kill -TERM $$'] })).body.exitCode).toBe(143);
  });

  it('decodes output as UTF-8', async () => {
    const r = await exec({ command: ['printf', '\\303\\251t\\303\\251'] });
    expect(r.body.stdout).toBe('été');
  });

  it('runs argv without a shell', async () => {
    const r = await exec({ command: ['echo', '$HOME', '*', '&&', 'false'] });
    expect(r.body).toMatchObject({ exitCode: 0, stdout: '$HOME * && false\n' });
  });

  it('answers 127 for a missing binary, not an error', async () => {
    const r = await exec({ command: ['paddock-no-such-binary', 'x'] });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ success: false, exitCode: 127, stdout: '' });
    expect(r.body.stderr).toContain('paddock-no-such-binary: command not found');
    const byPath = await exec({ command: ['/nonexistent/tool'] });
    expect(byPath.body.exitCode).toBe(127);
    expect(byPath.body.stderr).toContain('No such file or directory');
    expect((await exec({ command: 'paddock-no-such-binary' })).body.exitCode).toBe(127);
  });

  it('answers 126 for a file that is not executable', async () => {
    const file = join(agent.workspace, 'not-exec.sh');
    await writeFile(file, '#!/bin/sh\necho hi\n', { mode: 0o644 });
    const r = await exec({ command: [file] });
    expect(r.body.exitCode).toBe(126);
  });

  it('runs commands concurrently', async () => {
    // The first waits for a file only the second creates: run one after the other, it times out.
    const flag = join(agent.workspace, 'concurrent.flag');
    const waiter = exec({
      command: `while [ ! -e ${flag} ]; do sleep 0.02; done; echo seen`,
      timeout: 10_000,
    });
    await new Promise((r) => setTimeout(r, 100));
    const maker = await exec({ command: ['touch', flag] });
    expect(maker.body.exitCode).toBe(0);
    expect((await waiter).body).toMatchObject({ exitCode: 0, stdout: 'seen\n' });
  });

  it('gives commands /dev/null as stdin', async () => {
    const r = await exec({ command: 'cat; echo done' });
    expect(r.body.stdout).toBe('done\n');
  });
});

describe('exec environment and cwd', () => {
  it('passes the request env over the base env', async () => {
    const r = await exec({
      command: 'echo "$FOO|$LANG|$HOME|$TERM"',
      env: { FOO: 'bar', HOME: '/tmp' },
    });
    expect(r.body.stdout).toBe('bar|C.UTF-8|/tmp|xterm-256color\n');
  });

  it("keeps the sandbox env but never the agent's own variables", async () => {
    const r = await exec({ command: ['env'] });
    expect(r.body.stdout).toContain('SANDBOX_VAR=kept\n');
    expect(r.body.stdout).not.toContain('PADDOCK_AGENT_TOKEN');
  });

  it('builds a default PATH when the sandbox has none', () => {
    const env = commandEnv({ PADDOCK_AGENT_TOKEN: 't', PADDOCK_AGENT_LISTEN: 'l', X: '1' });
    expect(env).toEqual({
      PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
      HOME: '/root',
      LANG: 'C.UTF-8',
      TERM: 'xterm-256color',
      X: '1',
    });
  });

  it('runs in the workspace by default and resolves relative cwd against it', async () => {
    await mkdir(join(agent.workspace, 'sub/dir'), { recursive: true });
    expect((await exec({ command: 'pwd' })).body.stdout).toBe(`${agent.workspace}\n`);
    const rel = await exec({ command: 'pwd; echo $PWD', cwd: 'sub/dir' });
    expect(rel.body.stdout).toBe(`${agent.workspace}/sub/dir\n${agent.workspace}/sub/dir\n`);
    expect((await exec({ command: ['pwd'], cwd: '/' })).body.stdout).toBe('/\n');
  });

  it('answers FILE_NOT_FOUND for a missing cwd and NOT_DIRECTORY for a file', async () => {
    const missing = await exec({ command: 'true', cwd: 'no/such/dir' });
    expect(missing.status).toBe(404);
    expect(missing.body.code).toBe('FILE_NOT_FOUND');
    expect(missing.body.message).toContain(`cwd not found: ${agent.workspace}/no/such/dir`);
    await writeFile(join(agent.workspace, 'plain'), 'x');
    const file = await exec({ command: 'true', cwd: 'plain' });
    expect(file.status).toBe(400);
    expect(file.body.code).toBe('NOT_DIRECTORY');
  });
});

describe('exec timeouts and process groups', () => {
  it('kills the whole process group on timeout and reports what it had', async () => {
    const started = Date.now();
    const r = await exec({ command: 'sleep 30 & echo $!; echo err >&2; wait', timeout: 500 });
    expect(r.status).toBe(408);
    expect(r.body.code).toBe('COMMAND_TIMEOUT');
    expect(r.body.message).toContain('500 ms');
    expect(r.body.details.stderr).toBe('err\n');
    expect(r.body.details.duration).toBeGreaterThanOrEqual(500);
    expect(Date.now() - started).toBeLessThan(5000);
    const pid = Number(String(r.body.details.stdout).trim());
    expect(pid).toBeGreaterThan(1);
    leftovers.push(pid);
    expect(await waitGone(pid)).toBe(true);
  });

  it('kills the process group when the caller goes away', async () => {
    const pidFile = join(agent.workspace, 'abandoned.pid');
    const abort = new AbortController();
    const call = agent.call('/exec', {
      body: { command: `sleep 30 & echo $! > ${pidFile}; wait` },
      signal: abort.signal,
    });
    let pid = 0;
    for (let i = 0; i < 200 && !pid; i++) {
      await new Promise((r) => setTimeout(r, 25));
      pid = Number((await readFile(pidFile, 'utf8').catch(() => '')).trim());
    }
    expect(pid).toBeGreaterThan(1);
    leftovers.push(pid);
    abort.abort();
    await expect(call).rejects.toThrow();
    expect(await waitGone(pid)).toBe(true);
  });

  it('does not wait for background processes that keep the pipes open', async () => {
    const started = Date.now();
    const r = await exec({ command: 'sleep 30 & echo $!' });
    expect(r.body.exitCode).toBe(0);
    expect(Date.now() - started).toBeLessThan(3000);
    const pid = Number(String(r.body.stdout).trim());
    leftovers.push(pid);
    // Without a timeout nothing is killed: background work is allowed to outlive its command.
    expect(await alive(pid)).toBe(true);
  });
});

describe('exec output limits', () => {
  let capped: TestAgent;
  beforeAll(async () => {
    capped = await startTestAgent({ outputLimitBytes: 1001 });
  });
  afterAll(async () => {
    await capped.close();
  });

  it('keeps the first bytes of each stream and sets truncated', async () => {
    const r = await capped.call('/exec', {
      body: {
        command: 'head -c 5000 /dev/zero | tr "\\0" a; head -c 3000 /dev/zero | tr "\\0" b >&2',
      },
    });
    expect(r.body.exitCode).toBe(0);
    expect(r.body.stdout).toBe('a'.repeat(1001));
    expect(r.body.stderr).toBe('b'.repeat(1001));
    expect(r.body.truncated).toBe(true);
  });

  it('does not cut a UTF-8 character in half', async () => {
    const r = await capped.call('/exec', {
      body: { command: 'for i in $(seq 600); do printf é; done' },
    });
    expect(r.body.stdout).toBe('é'.repeat(500));
    expect(r.body.truncated).toBe(true);
  });

  it('does not set truncated at exactly the limit', async () => {
    const r = await capped.call('/exec', {
      body: { command: 'head -c 1001 /dev/zero | tr "\\0" a' },
    });
    expect(r.body.stdout).toHaveLength(1001);
    expect(r.body).not.toHaveProperty('truncated');
  });
});

describe('exec reply size', () => {
  it('keeps a reply of binary output under the JSON body limit', async () => {
    // 16 MiB of \x01 on each stream would be 192 MiB of JSON escapes.
    const r = await exec({
      command:
        'head -c 16777216 /dev/zero | tr "\\0" "\\1"; head -c 16777216 /dev/zero | tr "\\0" "\\1" >&2',
    });
    expect(r.status).toBe(200);
    expect(r.body.truncated).toBe(true);
    expect(Number(r.headers.get('content-length'))).toBeLessThanOrEqual(MAX_JSON_BODY_BYTES);
    expect(r.body.stdout.length).toBeGreaterThan(1024 * 1024);
  });
});

describe('spawn failures and exit codes', () => {
  const errno = (code: string) => Object.assign(new Error(code), { code });

  it('maps a full process table (EAGAIN) to 126 with an explanation', () => {
    const r = spawnFailure(errno('EAGAIN'), 'python3');
    expect(r.exitCode).toBe(126);
    expect(r.stderr).toContain('process limit');
  });

  it('maps EACCES to 126 and unknown errors to 126 naming the errno', () => {
    expect(spawnFailure(errno('EACCES'), './x')).toEqual({
      exitCode: 126,
      stderr: './x: Permission denied\n',
    });
    expect(spawnFailure(errno('ENOMEM'), 'x').stderr).toContain('ENOMEM');
  });

  it('computes exit codes like a shell', () => {
    expect(exitCodeOf(0, null)).toBe(0);
    expect(exitCodeOf(null, 'SIGKILL')).toBe(137);
    expect(exitCodeOf(null, 'SIGSEGV')).toBe(139);
  });
});
