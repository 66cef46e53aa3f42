import { parse, processLogEventSchema, type ProcessLogEvent } from '@paddock/protocol';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestAgent, type TestAgent } from '../testing.js';
import { LogRing } from './log-ring.js';
import { parseStat } from './tree-kill.js';

let agent: TestAgent;
beforeAll(async () => {
  agent = await startTestAgent({ killGraceMs: 500 });
});
afterAll(async () => {
  await agent.close();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const start = (body: unknown) => agent.call('/processes/start', { body });
const get = (processId: string) => agent.call('/processes/get', { body: { processId } });

async function untilDone(processId: string, ms = 5000): Promise<any> {
  const deadline = Date.now() + ms;
  for (;;) {
    const r = await get(processId);
    if (r.body.status !== 'running' || Date.now() > deadline) return r.body;
    await sleep(50);
  }
}

/** Alive and not a zombie (an exited process waiting to be reaped by its new parent). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return parseStat(stat)?.zombie === false;
  } catch {
    return false;
  }
}

async function streamEvents(processId: string, stopAfter?: (e: ProcessLogEvent) => boolean) {
  const abort = new AbortController();
  const res = await fetch(`${agent.url}/processes/logs/stream`, {
    method: 'POST',
    headers: { authorization: `Bearer ${agent.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ processId }),
    signal: abort.signal,
  });
  const events: ProcessLogEvent[] = [];
  if (res.status !== 200) return { status: res.status, events, body: await res.json() };
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let buf = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buf += decoder.decode(value, { stream: true });
    let nl: number;
    while ((nl = buf.indexOf('\n')) !== -1) {
      const r = parse(processLogEventSchema, JSON.parse(buf.slice(0, nl)));
      buf = buf.slice(nl + 1);
      if (!r.ok) throw new Error('bad event');
      events.push(r.value);
      if (stopAfter?.(r.value)) {
        abort.abort();
        return { status: 200, events };
      }
    }
  }
  return { status: 200, events };
}

describe('background processes', () => {
  it('starts, lists, reports status and keeps logs after exit', async () => {
    const r = await start({ command: 'echo out; echo err >&2; exit 3', processId: 'p1' });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ id: 'p1', status: 'running', command: expect.any(String) });
    expect(r.body.pid).toBeGreaterThan(0);
    const done = await untilDone('p1');
    expect(done).toMatchObject({ status: 'failed', exitCode: 3, endTime: expect.any(String) });
    const logs = await agent.call('/processes/logs', { body: { processId: 'p1' } });
    expect(logs.body).toEqual({ processId: 'p1', stdout: 'out\n', stderr: 'err\n' });
    const list = await agent.call('/processes/list', { body: {} });
    expect(list.body.processes.map((p: any) => p.id)).toContain('p1');
  });

  it('applies env and cwd, and generates ids', async () => {
    const r = await start({ command: 'echo "$X $(pwd)"', env: { X: 'hi' }, cwd: '/tmp' });
    expect(r.body.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(await untilDone(r.body.id)).toMatchObject({ status: 'completed', exitCode: 0 });
    const logs = await agent.call('/processes/logs', { body: { processId: r.body.id } });
    expect(logs.body.stdout).toBe('hi /tmp\n');
  });

  it('records a missing binary as an error and refuses duplicates and unknown ids', async () => {
    const r = await start({ command: ['no-such-binary-xyz'], processId: 'bad' });
    expect(r.body).toMatchObject({ status: 'error', exitCode: 127 });
    const missing = await get('nope');
    expect(missing.status).toBe(404);
    expect(missing.body.code).toBe('PROCESS_NOT_FOUND');
    await start({ command: 'sleep 5', processId: 'dup' });
    const dup = await start({ command: 'true', processId: 'dup' });
    expect(dup.body.code).toBe('PROCESS_ALREADY_EXISTS');
    await agent.call('/processes/kill', { body: { processId: 'dup', signal: 'SIGKILL' } });
    expect((await get('dup')).body.status).toBe('killed');
  });

  it('kills a tree three levels deep, setsid children included', async () => {
    const cmd =
      'setsid bash -c "setsid bash -c \'sleep 300 & echo \\$! > l3.pid; wait\' & wait" & sleep 300';
    const r = await start({ command: cmd, processId: 'tree' });
    let deepest = 0;
    for (let i = 0; i < 50 && !deepest; i++) {
      await sleep(50);
      try {
        deepest = Number(readFileSync(`${agent.workspace}/l3.pid`, 'utf8').trim());
      } catch {
        // not written yet
      }
    }
    expect(alive(deepest)).toBe(true);
    const killed = await agent.call('/processes/kill', { body: { processId: 'tree' } });
    expect(killed.body).toMatchObject({ status: 'killed' });
    expect(alive(deepest)).toBe(false);
    expect(alive(r.body.pid)).toBe(false);
  });

  it('SIGKILLs a process that traps SIGTERM once the grace is over', async () => {
    await start({
      command: 'trap "" TERM; echo ready; while true; do sleep 0.1; done',
      processId: 'trap',
    });
    await sleep(200);
    const began = Date.now();
    const killed = await agent.call('/processes/kill', { body: { processId: 'trap' } });
    expect(Date.now() - began).toBeGreaterThanOrEqual(450);
    expect(killed.body).toMatchObject({ status: 'killed', exitCode: 137 });
  });

  it('passes the signal asked for', async () => {
    await start({
      command: 'trap "echo got-int; exit 7" INT; while true; do sleep 0.1; done',
      processId: 'int',
    });
    await sleep(200);
    const killed = await agent.call('/processes/kill', {
      body: { processId: 'int', signal: 'SIGINT' },
    });
    expect(killed.body).toMatchObject({ status: 'killed', exitCode: 7 });
    const logs = await agent.call('/processes/logs', { body: { processId: 'int' } });
    expect(logs.body.stdout).toContain('got-int');
  });

  it('streams the logs: replay, then live, then exit', async () => {
    await start({ command: 'echo early; sleep 0.5; echo late >&2; exit 4', processId: 'st' });
    await sleep(200);
    const { events } = await streamEvents('st');
    expect(events[0]).toEqual({ type: 'stdout', data: 'early\n' });
    expect(events[1]).toEqual({ type: 'stderr', data: 'late\n' });
    expect(events.at(-1)).toEqual({ type: 'exit', exitCode: 4, status: 'failed' });
    // After exit: the whole replay, then exit.
    const again = await streamEvents('st');
    expect(again.events.map((e) => e.type)).toEqual(['stdout', 'stderr', 'exit']);
  });

  it('stops following when the reader goes away, leaving the process alone', async () => {
    await start({ command: 'while true; do echo tick; sleep 0.05; done', processId: 'tick' });
    await streamEvents('tick', (e) => e.type === 'stdout');
    await sleep(200);
    const info = (await get('tick')).body;
    expect(info.status).toBe('running');
    // No listener left behind: a fresh stream still works and the old one is gone.
    const { events } = await streamEvents('tick', (e) => e.type === 'stdout');
    expect(events.length).toBeGreaterThan(0);
    const killAll = await agent.call('/processes/kill-all', { body: {} });
    expect(killAll.body.killed).toBeGreaterThanOrEqual(1);
    expect((await get('tick')).body.status).toBe('killed');
  });

  it('waits for a port over tcp and http, and fails fast when the process exits', async () => {
    const port = 20000 + Math.floor(Math.random() * 20000);
    const server = `require("http").createServer((q,s)=>{s.statusCode=q.url==="/ok"?200:500;s.end()}).listen(${port})`;
    await start({ command: ['node', '-e', `setTimeout(()=>{${server}},300)`], processId: 'web' });
    const tcp = await agent.call('/processes/wait-for-port', {
      body: { processId: 'web', port, mode: 'tcp', timeout: 5000 },
    });
    expect(tcp.body).toEqual({ processId: 'web', port, ready: true });
    const http = await agent.call('/processes/wait-for-port', {
      body: { processId: 'web', port, path: '/ok', timeout: 5000 },
    });
    expect(http.body.ready).toBe(true);
    const wrong = await agent.call('/processes/wait-for-port', {
      body: { processId: 'web', port, path: '/bad', timeout: 600 },
    });
    expect(wrong.body.code).toBe('PROCESS_READY_TIMEOUT');
    await start({ command: 'sleep 0.3; exit 2', processId: 'quitter' });
    const exited = await agent.call('/processes/wait-for-port', {
      body: { processId: 'quitter', port: port + 1, timeout: 10_000 },
    });
    expect(exited.body.code).toBe('PROCESS_EXITED_BEFORE_READY');
    await agent.call('/processes/kill', { body: { processId: 'web', signal: 'SIGKILL' } });
  });
});

describe('LogRing', () => {
  it('keeps the last bytes and says earlier ones were dropped', () => {
    const ring = new LogRing(8);
    ring.push(Buffer.from('abcdef'));
    expect(ring.truncated).toBe(false);
    ring.push(Buffer.from('ghijkl'));
    expect(ring.text()).toBe('efghijkl');
    expect(ring.truncated).toBe(true);
  });

  it('never returns half a character at either end', () => {
    const ring = new LogRing(4);
    ring.push(Buffer.from('aé€')); // 1 + 2 + 3 bytes: the front of é is dropped
    expect(ring.text()).toBe('€');
    const tail = new LogRing(16);
    tail.push(Buffer.from('x€').subarray(0, 3)); // € cut after its first 2 bytes
    expect(tail.text()).toBe('x');
  });
});

describe('parseStat', () => {
  it('reads fields after a command name holding spaces and parentheses', () => {
    const fields = ['S', '7', '42', ...Array.from({ length: 16 }, () => '0'), '12345'];
    const st = parseStat(`99 (a) b (c)) ${fields.join(' ')}`);
    expect(st).toEqual({ pid: 99, ppid: 7, pgrp: 42, zombie: false, start: '12345' });
  });
});
