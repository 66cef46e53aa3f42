/**
 * Background processes through the SDK, on a real daemon and agent: start, status and logs, the
 * log stream, the waits, tree kills. Called from the conformance suite, so every backend runs it.
 */
import { describe, expect, it } from 'vitest';
import {
  PaddockError,
  ProcessExitedBeforeReadyError,
  ProcessReadyTimeoutError,
  type Paddock,
  type ProcessLogEvent,
  type Sandbox,
} from '@paddock/sdk';

export interface ProcessesContext {
  client: Paddock;
  sandbox: Sandbox;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function errorOf(p: Promise<unknown>): Promise<PaddockError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  if (!PaddockError.is(e)) throw new Error(`expected a PaddockError, got ${String(e)}`);
  return e;
}

/** Lines of `pgrep -f pattern` in the sandbox (nothing when none match). */
async function pgrep(sb: Sandbox, pattern: string): Promise<string[]> {
  const r = await sb.exec(['pgrep', '-f', pattern]);
  return r.stdout.split('\n').filter(Boolean);
}

export function describeProcesses(ctx: () => ProcessesContext): void {
  describe('processes', () => {
    it('starts a process, lists it, reports its status and keeps its logs after exit', async () => {
      const { sandbox: sb } = ctx();
      const p = await sb.startProcess('echo out; echo err >&2; sleep 0.3; exit 3', {
        processId: 'proc-basic',
        env: { UNUSED: '1' },
      });
      expect(p).toMatchObject({ id: 'proc-basic', status: 'running', command: expect.any(String) });
      expect(p.pid).toBeGreaterThan(0);
      expect(p.startTime).toBeInstanceOf(Date);
      expect((await sb.listProcesses()).map((x) => x.id)).toContain('proc-basic');
      expect(await p.waitForExit(10_000)).toEqual({ exitCode: 3 });
      expect(await p.getStatus()).toBe('failed');
      expect(p.exitCode).toBe(3);
      expect(p.endTime).toBeInstanceOf(Date);
      expect(await p.getLogs()).toEqual({ stdout: 'out\n', stderr: 'err\n' });
      expect(await sb.getProcessLogs('proc-basic')).toMatchObject({ stdout: 'out\n' });
      const again = await sb.getProcess('proc-basic');
      expect(again).toMatchObject({ status: 'failed', exitCode: 3 });
    });

    it('merges env and cwd like exec', async () => {
      const { sandbox: sb } = ctx();
      await sb.exec('mkdir -p /tmp/proc-wd');
      const p = await sb.startProcess('echo "$GREETING $(pwd)"', {
        env: { GREETING: 'hi' },
        cwd: '/tmp/proc-wd',
      });
      expect(p.id).toMatch(/^[0-9a-f-]{36}$/);
      await p.waitForExit(10_000);
      expect((await p.getLogs()).stdout).toBe('hi /tmp/proc-wd\n');
    });

    it('answers an unknown id with PROCESS_NOT_FOUND (getProcess: null)', async () => {
      const { sandbox: sb } = ctx();
      expect(await sb.getProcess('no-such-proc')).toBeNull();
      expect((await errorOf(sb.killProcess('no-such-proc'))).code).toBe('PROCESS_NOT_FOUND');
      expect((await errorOf(sb.getProcessLogs('no-such-proc'))).code).toBe('PROCESS_NOT_FOUND');
      const stream = errorOf(
        (async () => {
          for await (const _ of sb.streamProcessLogs('no-such-proc')) break;
        })(),
      );
      expect((await stream).code).toBe('PROCESS_NOT_FOUND');
    });

    it('streams logs: replays what was logged, then live output, then the exit', async () => {
      const { sandbox: sb } = ctx();
      const p = await sb.startProcess('echo first; sleep 1.5; echo second >&2; exit 5');
      await p.waitForLog('first', 10_000);
      const events: ProcessLogEvent[] = [];
      const times: number[] = [];
      for await (const ev of sb.streamProcessLogs(p.id)) {
        events.push(ev);
        times.push(Date.now());
      }
      expect(events).toEqual([
        { type: 'stdout', data: 'first\n' },
        { type: 'stderr', data: 'second\n' },
        { type: 'exit', exitCode: 5, status: 'failed' },
      ]);
      // The replay came at once; the second line only when the process printed it.
      expect((times[1] ?? 0) - (times[0] ?? 0)).toBeGreaterThan(500);
    });

    it('waits for a log line: string, RegExp, on stderr; times out; sees an early exit', async () => {
      const { sandbox: sb } = ctx();
      const p = await sb.startProcess(
        'echo booting; sleep 0.5; echo "ready on 8080" >&2; echo done; sleep 30',
      );
      expect(await p.waitForLog('booting', 10_000)).toEqual({ line: 'booting' });
      expect(await p.waitForLog(/ready on (\d+)/, 10_000)).toEqual({ line: 'ready on 8080' });
      const timeout = await errorOf(p.waitForLog('never printed', 800));
      expect(timeout).toBeInstanceOf(ProcessReadyTimeoutError);
      expect(timeout.code).toBe('PROCESS_READY_TIMEOUT');
      await p.kill('SIGKILL');
      const quitter = await sb.startProcess('echo bye; exit 1');
      const exited = await errorOf(quitter.waitForLog('never printed', 10_000));
      expect(exited).toBeInstanceOf(ProcessExitedBeforeReadyError);
      expect(exited.code).toBe('PROCESS_EXITED_BEFORE_READY');
    });

    it('waits for a port over HTTP and TCP, checked inside the sandbox', async () => {
      const { sandbox: sb } = ctx();
      // Not python3 -m http.server: it resolves the host's FQDN at start, which waits ~10 s for
      // DNS in a sandbox without a network.
      const server =
        'require("http").createServer((q, s) => { s.statusCode = q.url === "/" ? 200 : 404; ' +
        's.end(); }).listen(8123, "127.0.0.1")';
      const web = await sb.startProcess(['bash', '-c', 'sleep 0.5; exec node -e "$0"', server]);
      await web.waitForPort(8123, { timeout: 30_000 });
      await web.waitForPort(8123, { mode: 'tcp', timeout: 5_000 });
      await web.waitForPort(8123, { path: '/missing', status: 404, timeout: 5_000 });
      const wrong = await errorOf(web.waitForPort(8123, { path: '/missing', timeout: 1_000 }));
      expect(wrong.code).toBe('PROCESS_READY_TIMEOUT');
      await web.kill();
      expect(web.status).toBe('killed');
      const quitter = await sb.startProcess('sleep 0.5; exit 3');
      const began = Date.now();
      const exited = await errorOf(quitter.waitForPort(8124, { timeout: 30_000 }));
      expect(exited.code).toBe('PROCESS_EXITED_BEFORE_READY');
      expect(Date.now() - began).toBeLessThan(10_000);
    });

    it('waits for exit, or times out', async () => {
      const { sandbox: sb } = ctx();
      const p = await sb.startProcess('sleep 0.5; exit 7');
      expect(await p.waitForExit(10_000)).toEqual({ exitCode: 7 });
      const slow = await sb.startProcess('sleep 30');
      expect((await errorOf(slow.waitForExit(500))).code).toBe('PROCESS_READY_TIMEOUT');
      await slow.kill('SIGKILL');
    });

    it('kills a tree three levels deep, setsid descendants included, leaving no process', async () => {
      const { sandbox: sb } = ctx();
      const tree = await sb.startProcess(
        'setsid bash -c "setsid sleep 3001 & sleep 3002 & wait" & sleep 3003 & wait',
      );
      for (let i = 0; i < 50 && (await pgrep(sb, '^sleep 300[123]$')).length < 3; i++) {
        await sleep(100);
      }
      expect(await pgrep(sb, '^sleep 300[123]$')).toHaveLength(3);
      await tree.kill();
      expect(tree.status).toBe('killed');
      // Unanchored: also the bash levels, whose command lines name the sleeps.
      expect(await pgrep(sb, 'sleep 300[123]')).toEqual([]);
    });

    it('SIGKILLs a process that traps SIGTERM after the grace period', async () => {
      const { sandbox: sb } = ctx();
      const p = await sb.startProcess(
        'trap "echo no" TERM; echo up; while true; do sleep 0.2; done',
      );
      await p.waitForLog('up', 10_000);
      const began = Date.now();
      await p.kill();
      const took = Date.now() - began;
      expect(took).toBeGreaterThanOrEqual(4_500);
      expect(took).toBeLessThan(15_000);
      expect(p).toMatchObject({ status: 'killed', exitCode: 137 });
      expect((await p.getLogs()).stdout).toContain('no');
      expect(await pgrep(sb, 'while true')).toEqual([]);
    });

    it('leaks nothing when a log stream consumer walks away', async () => {
      const { sandbox: sb, client } = ctx();
      const p = await sb.startProcess('while true; do echo tick; sleep 0.1; done');
      for (let i = 0; i < 5; i++) {
        for await (const ev of sb.streamProcessLogs(p.id)) if (ev.type === 'stdout') break;
      }
      const abort = new AbortController();
      const aborted = errorOf(
        (async () => {
          for await (const ev of sb.streamProcessLogs(p.id, { signal: abort.signal })) {
            if (ev.type === 'stdout') abort.abort();
          }
        })(),
      ).catch((e: unknown) => e);
      await aborted;
      expect(await p.getStatus()).toBe('running');
      const before = (await p.getLogs()).stdout.length;
      await sleep(500);
      expect((await p.getLogs()).stdout.length).toBeGreaterThan(before);
      // The agent still streams (nothing wedged), and the daemon is fine.
      const again: string[] = [];
      for await (const ev of sb.streamProcessLogs(p.id)) {
        if (ev.type === 'stdout') again.push(ev.data);
        if (again.length > 0) break;
      }
      expect(again.join('')).toContain('tick');
      expect((await client.health()).status).toBe('ok');
      await p.kill();
    });

    it('kills every running process with killAllProcesses', async () => {
      const { sandbox: sb } = ctx();
      await sb.startProcess('sleep 4001');
      await sb.startProcess(['sleep', '4002']);
      const n = await sb.killAllProcesses();
      expect(n).toBeGreaterThanOrEqual(2);
      expect(await pgrep(sb, '^sleep 400[12]$')).toEqual([]);
      const running = (await sb.listProcesses()).filter((x) => x.status === 'running');
      expect(running).toEqual([]);
    });
  });
}
