import { readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestAgent, type TestAgent } from '../testing.js';
import { commandText, parseMarker, quote } from './script.js';

let agent: TestAgent;
let n = 0;

beforeAll(async () => {
  agent = await startTestAgent({ env: { PATH: process.env['PATH'] }, outputLimitBytes: 4096 });
});
afterAll(async () => {
  await agent.close();
});

async function newSession(body: Record<string, unknown> = {}): Promise<string> {
  const id = `s${++n}`;
  const r = await agent.call('/sessions/create', { body: { id, ...body } });
  expect(r.status).toBe(200);
  return id;
}

const exec = async (sessionId: string, command: unknown, extra: object = {}): Promise<any> => {
  const r = await agent.call('/sessions/exec', { body: { sessionId, command, ...extra } });
  return r.status === 200 ? r.body : { status: r.status, ...r.body };
};

/** Alive means signalable and not a zombie waiting for init to reap it. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

describe('session script', () => {
  it('quotes anything and parses only its own markers', () => {
    expect(quote("it's")).toBe(`'it'\\''s'`);
    expect(commandText(['echo', 'a b', "c'd"])).toBe(`'echo' 'a b' 'c'\\''d'`);
    expect(parseMarker('N 3 0 /tmp/a b', 'N')).toEqual({ seq: 3, status: 0, cwd: '/tmp/a b' });
    expect(parseMarker('X 3 0 /', 'N')).toBeUndefined();
  });
});

describe('sessions', () => {
  it('keeps cd, export and functions between calls', async () => {
    const id = await newSession();
    await mkdir(join(agent.workspace, 'sub'), { recursive: true });
    await exec(id, 'cd sub && export A=1 && f() { echo "fn $1"; }');
    const r = await exec(id, 'echo "$A $(pwd)"; f x');
    expect(r.stdout).toBe(`1 ${join(agent.workspace, 'sub')}\nfn x\n`);
    const info = await agent.call('/sessions/get', { body: { sessionId: id } });
    expect(info.body.cwd).toBe(join(agent.workspace, 'sub'));
  });

  it('handles output without newline, odd bytes, heredocs, stdin and exit codes', async () => {
    const id = await newSession();
    expect((await exec(id, 'printf abc')).stdout).toBe('abc');
    expect((await exec(id, "printf '\\x01\\x02\\xff'")).stdout).toBe('\x01\x02\uFFFD');
    expect((await exec(id, 'cat <<EOF\nhello $((1+1))\nEOF')).stdout).toBe('hello 2\n');
    expect((await exec(id, 'read x; echo "[$x] $?"')).stdout).toBe('[] 1\n');
    expect(await exec(id, 'echo err >&2; false')).toMatchObject({ exitCode: 1, stderr: 'err\n' });
    expect((await exec(id, ['printf', '%s', 'a b'])).stdout).toBe('a b');
    expect((await exec(id, 'if then')).exitCode).toBe(2);
    expect((await exec(id, 'echo still')).stdout).toBe('still\n');
  });

  it('caps output and says so', async () => {
    const id = await newSession();
    const r = await exec(id, 'head -c 10000 /dev/zero | tr "\\0" a');
    expect(r.stdout.length).toBe(4096);
    expect(r.truncated).toBe(true);
  });

  it('isolates sessions from each other', async () => {
    const a = await newSession();
    const b = await newSession();
    await exec(a, 'export ONLY_A=1; cd /');
    expect((await exec(b, 'echo "${ONLY_A:-unset} $(pwd)"')).stdout).toBe(
      `unset ${agent.workspace}\n`,
    );
  });

  it('serialises calls in one session', async () => {
    const id = await newSession();
    const calls = [1, 2, 3].map((i) => exec(id, `sleep 0.${4 - i}; echo ${i} >> order`));
    await Promise.all(calls);
    expect((await exec(id, 'cat order; rm order')).stdout).toBe('1\n2\n3\n');
  });

  it('applies per-call cwd and env to that call only', async () => {
    const id = await newSession();
    const r = await exec(id, 'export KEEP=1; echo "$X $(pwd)"', { cwd: '/', env: { X: 'x' } });
    expect(r.stdout).toBe('x /\n');
    expect((await exec(id, 'echo "${KEEP:-no} ${X:-no} $(pwd)"')).stdout).toBe(
      `no no ${agent.workspace}\n`,
    );
    expect((await exec(id, 'true', { cwd: 'missing' })).code).toBe('FILE_NOT_FOUND');
  });

  it('recreates a shell that exited, with fresh state', async () => {
    const id = await newSession();
    await exec(id, 'export GONE=1; cd /');
    expect(await exec(id, 'echo bye; exit 3')).toMatchObject({ exitCode: 3, stdout: 'bye\n' });
    expect((await exec(id, 'echo "${GONE:-fresh} $(pwd)"')).stdout).toBe(
      `fresh ${agent.workspace}\n`,
    );
  });

  it('kills a timed-out command with the shell, then starts afresh', async () => {
    const id = await newSession();
    await exec(id, 'export LOST=1');
    const r = await exec(id, 'echo partial; sleep 30', { timeout: 300 });
    expect(r).toMatchObject({ status: 408, code: 'COMMAND_TIMEOUT' });
    expect(r.details.stdout).toBe('partial\n');
    expect((await exec(id, 'echo "${LOST:-fresh}"')).stdout).toBe('fresh\n');
  });

  it('sets and unsets env in one session, kept across a new shell', async () => {
    const id = await newSession({ env: { B: 'b', C: 'c' } });
    const set = await agent.call('/sessions/env', {
      body: { sessionId: id, env: { A: "it's", B: null } },
    });
    expect(set.status).toBe(200);
    expect((await exec(id, 'echo "$A ${B:-unset} $C"')).stdout).toBe("it's unset c\n");
    await exec(id, 'exit');
    expect((await exec(id, 'echo "$A ${B:-unset} $C"')).stdout).toBe("it's unset c\n");
  });

  it('kills what a deleted session started', async () => {
    const id = await newSession();
    const r = await exec(
      id,
      'sleep 60 >/dev/null 2>&1 & echo $!; setsid sleep 60 >/dev/null 2>&1 & echo $!',
    );
    const pids = (r.stdout as string).trim().split('\n').map(Number);
    expect(pids.every(alive)).toBe(true);
    expect((await agent.call('/sessions/delete', { body: { sessionId: id } })).status).toBe(200);
    await new Promise((res) => setTimeout(res, 200));
    expect(pids.some(alive)).toBe(false);
    expect((await exec(id, 'true')).code).toBe('SESSION_NOT_FOUND');
  });

  it('reports unknown and duplicate sessions', async () => {
    const id = await newSession();
    const dup = await agent.call('/sessions/create', { body: { id } });
    expect(dup).toMatchObject({ status: 409, body: { code: 'SESSION_ALREADY_EXISTS' } });
    const missing = await agent.call('/sessions/get', { body: { sessionId: 'nope' } });
    expect(missing).toMatchObject({ status: 404, body: { code: 'SESSION_NOT_FOUND' } });
    const badCwd = await agent.call('/sessions/create', {
      body: { id: 'x1', cwd: '/nonexistent' },
    });
    expect(badCwd.body.code).toBe('FILE_NOT_FOUND');
  });
});
