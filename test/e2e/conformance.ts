/**
 * The backend conformance suite: SDK -> daemon -> backend -> agent, against a real daemon. Every
 * backend's test file calls `describeConformance` unchanged.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { release as osRelease } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Paddock, PaddockError, getSandbox, type ExecEvent, type Sandbox } from '@paddock/sdk';
import { hostTraces, removeDataDir, startDaemon, type TestDaemon } from './harness.js';
import { describeProcesses } from './processes.case.js';
import { describeSessions } from './sessions.case.js';
import { describePty } from './pty.case.js';
import { describeWatch } from './watch.case.js';
import { describeLimits } from './limits.case.js';
import { describeInterpreter } from './interpreter.case.js';
import { describeLifecycle } from './lifecycle.case.js';

export interface ConformanceOptions {
  backend: string;
  subnet: string;
  /** Whether sandboxes run on a kernel of their own (gvisor, microvm) rather than the host's. */
  ownKernel: boolean;
  /**
   * Whether a sandbox outlives hitting its memory or pids limit (the jail does: the kernel kills
   * the offender). gVisor ends the whole sandbox instead; then the daemon must say so.
   */
  survivesLimits: boolean;
}

const sha256 = (b: Uint8Array | string) => createHash('sha256').update(b).digest('hex');

export function describeConformance(opts: ConformanceOptions): void {
  describe(`conformance: ${opts.backend}`, () => {
    let daemon: TestDaemon;
    let client: Paddock;
    let a: Sandbox;
    let b: Sandbox;
    const ctx = () => ({ client, neighbour: a, survivesLimits: opts.survivesLimits });

    beforeAll(async () => {
      daemon = await startDaemon({
        backend: opts.backend,
        subnet: opts.subnet,
        env: { PADDOCK_SSE_HEARTBEAT_MS: '300', PADDOCK_LIFECYCLE_TICK_MS: '200' },
      });
      client = new Paddock({ url: daemon.url, apiKey: daemon.apiKey });
      a = getSandbox(client, 'conf-a', { limits: { memoryMiB: 256, pids: 128, diskMiB: 256 } });
      b = getSandbox(client, 'conf-b');
      await Promise.all([a.exec('true'), b.exec('true')]);
    });

    afterAll(async () => {
      await a?.destroy();
      await b?.destroy();
      await daemon?.stop();
      if (daemon) removeDataDir(daemon.dataDir);
    });

    describe('commands', () => {
      it('runs echo and returns its output', async () => {
        const r = await a.exec('echo hello');
        expect(r).toMatchObject({ success: true, exitCode: 0, stdout: 'hello\n', stderr: '' });
        expect(r.duration).toBeGreaterThanOrEqual(0);
      });

      it('returns non-zero exit codes as results', async () => {
        const r = await a.exec('exit 42');
        expect(r).toMatchObject({ success: false, exitCode: 42 });
      });

      it('separates stderr from stdout', async () => {
        const r = await a.exec('echo out; echo err >&2');
        expect(r.stdout).toBe('out\n');
        expect(r.stderr).toBe('err\n');
      });

      it('applies env and cwd', async () => {
        await a.exec('mkdir -p /tmp/wd');
        const r = await a.exec('echo "$GREETING $(pwd)"', {
          env: { GREETING: 'hi' },
          cwd: '/tmp/wd',
        });
        expect(r.stdout).toBe('hi /tmp/wd\n');
      });

      it('keeps output up to the asked limit and says it truncated', async () => {
        const r = await a.exec('head -c 10000 /dev/zero | tr "\\0" x', { outputLimit: 2048 });
        expect(r.stdout).toBe('x'.repeat(2048));
        expect(r.truncated).toBe(true);
      });

      it('runs argv without a shell', async () => {
        const r = await a.exec(['echo', '$HOME', '&&', 'x']);
        expect(r.stdout).toBe('$HOME && x\n');
      });

      it('kills a command at its timeout and says so', async () => {
        const err = await a
          .exec('echo started; sleep 30', { timeout: 500 })
          .catch((e: unknown) => e);
        expect(PaddockError.is(err)).toBe(true);
        expect((err as PaddockError).code).toBe('COMMAND_TIMEOUT');
        const left = await a.exec('pgrep -f "^sleep 30$" || echo none');
        expect(left.stdout.trim()).toBe('none');
      });

      it(
        opts.ownKernel ? 'runs on a kernel of its own' : 'shares the host kernel (a jail)',
        async () => {
          const r = await a.exec('uname -r; cat /proc/version');
          const [release] = r.stdout.split('\n');
          if (opts.ownKernel) {
            expect(release).not.toBe(osRelease());
            expect(r.stdout).not.toContain(readFileSync('/proc/version', 'utf8').trim());
          } else {
            expect(release).toBe(osRelease());
          }
        },
      );

      it('does not see host processes', async () => {
        const r = await a.exec('ps -e -o pid=,comm=');
        const pids = r.stdout
          .trim()
          .split('\n')
          .map((l) => Number(l.trim().split(/\s+/)[0]));
        expect(Math.max(...pids)).toBeLessThan(1000);
        expect(r.stdout).not.toMatch(/vitest|paddockd|systemd/);
        const init = await a.exec('cat /proc/1/cmdline | tr "\\0" " "');
        expect(init.stdout).toMatch(/tini/);
      });
    });

    describeProcesses(() => ({ client, sandbox: a }));

    describe('streams', () => {
      it('streams start, output as it happens, then complete', async () => {
        const events: ExecEvent[] = [];
        const times: number[] = [];
        for await (const ev of a.execStream('echo one; sleep 1; echo two >&2; exit 3')) {
          events.push(ev);
          times.push(Date.now());
        }
        expect(events.map((e) => e.type)).toEqual(['start', 'stdout', 'stderr', 'complete']);
        expect(events[0]).toMatchObject({ type: 'start', pid: expect.any(Number) });
        expect(events[3]).toMatchObject({ type: 'complete', exitCode: 3 });
        // The first line arrived well before the command ended: it was streamed, not buffered.
        expect((times[2] ?? 0) - (times[1] ?? 0)).toBeGreaterThan(500);
      });

      it('feeds onOutput with exec({ stream: true }) and still returns the result', async () => {
        const seen: string[] = [];
        const r = await a.exec('echo a; echo b >&2', {
          stream: true,
          onOutput: (stream, data) => seen.push(`${stream}:${data}`),
        });
        expect(r).toMatchObject({ success: true, exitCode: 0, stdout: 'a\n', stderr: 'b\n' });
        expect(seen.sort()).toEqual(['stderr:b\n', 'stdout:a\n']);
      });

      it('carries heartbeats while a command is quiet', async () => {
        const res = await fetch(`${daemon.url}/v1/sandboxes/conf-a/exec/stream`, {
          method: 'POST',
          headers: { authorization: `Bearer ${daemon.apiKey}`, 'content-type': 'application/json' },
          body: JSON.stringify({ command: 'sleep 1.2; echo done' }),
        });
        expect(res.headers.get('content-type')).toMatch(/text\/event-stream/);
        const text = await res.text();
        expect(text).toMatch(/: heartbeat/);
        expect(text).toMatch(/event: complete/);
      });

      it('kills the command when the consumer walks away', async () => {
        for await (const ev of a.execStream('echo go; exec sleep 301')) {
          if (ev.type === 'stdout') break;
        }
        let left = 'x';
        for (let i = 0; i < 50 && left !== 'none'; i++) {
          left = (await a.exec('pgrep -f "^sleep 301$" || echo none')).stdout.trim();
          if (left !== 'none') await new Promise((r) => setTimeout(r, 100));
        }
        expect(left).toBe('none');
      });

      it('ends with an error, never a hang, when the sandbox dies mid-stream', async () => {
        const doomed = getSandbox(client, 'conf-doomed');
        const events: ExecEvent[] = [];
        for await (const ev of doomed.execStream('echo up; sleep 60')) {
          events.push(ev);
          if (ev.type === 'stdout') await client.deleteSandbox('conf-doomed');
        }
        expect(events.at(-1)).toMatchObject({ type: 'error', code: 'SANDBOX_UNAVAILABLE' });
        expect(events.some((e) => e.type === 'complete')).toBe(false);
      });
    });

    describe('files', () => {
      it('writes and reads back text', async () => {
        await a.writeFile('/workspace/notes/hello.txt', 'héllo wörld\n');
        const r = await a.readFile('/workspace/notes/hello.txt');
        expect(r.content).toBe('héllo wörld\n');
        expect(r.encoding).toBe('utf-8');
        const viaShell = await a.exec('cat /workspace/notes/hello.txt');
        expect(viaShell.stdout).toBe('héllo wörld\n');
      });

      it('writes and reads back a 10 MiB binary file intact', async () => {
        const data = randomBytes(10 * 1024 * 1024);
        await a.writeFile('/workspace/blob.bin', data);
        const r = await a.readFile('/workspace/blob.bin', { encoding: 'base64' });
        expect(r.encoding).toBe('base64');
        expect(sha256(Buffer.from(r.content, 'base64'))).toBe(sha256(data));
        const inside = await a.exec('sha256sum /workspace/blob.bin');
        expect(inside.stdout.split(' ')[0]).toBe(sha256(data));
      });

      it('makes, lists, renames, moves, checks and deletes files', async () => {
        await a.mkdir('/workspace/ops/in', { recursive: true });
        await a.writeFile('/workspace/ops/a.txt', 'abc');
        const list = await a.listFiles('/workspace/ops');
        expect(list.files.map((f) => `${f.name}:${f.type}`).sort()).toEqual([
          'a.txt:file',
          'in:directory',
        ]);
        expect(list.files.find((f) => f.name === 'a.txt')?.size).toBe(3);
        await a.renameFile('/workspace/ops/a.txt', '/workspace/ops/b.txt');
        const moved = await a.moveFile('/workspace/ops/b.txt', '/workspace/ops/in');
        expect(moved.newPath).toBe('/workspace/ops/in/b.txt');
        expect((await a.exists('/workspace/ops/in/b.txt')).exists).toBe(true);
        expect((await a.exists('/workspace/ops/a.txt')).exists).toBe(false);
        const notDir = await a.deleteFile('/workspace/ops/in').catch((e: unknown) => e);
        expect((notDir as PaddockError).code).toBe('IS_DIRECTORY');
        await a.deleteFile('/workspace/ops/in/b.txt');
        expect((await a.listFiles('/workspace/ops', { recursive: true })).count).toBe(1);
      });

      it("reads a symlink to an absolute path in the sandbox's own view, never the host's", async () => {
        await a.exec('ln -sf /etc/hostname /workspace/host-link');
        const r = await a.readFile('/workspace/host-link');
        expect(r.content).toBe((await a.exec('cat /etc/hostname')).stdout);
        expect(r.content).not.toBe(readFileSync('/etc/hostname', 'utf8'));
      });

      it('streams 200 MiB in and out intact (no size cap but the disk quota)', async () => {
        const sent = createHash('sha256');
        let chunks = 200;
        const body = new ReadableStream<Uint8Array>({
          pull(controller) {
            if (chunks-- === 0) return controller.close();
            const chunk = randomBytes(1024 * 1024);
            sent.update(chunk);
            controller.enqueue(chunk);
          },
        });
        const w = await b.writeFile('/workspace/big.bin', body);
        expect(w.bytes).toBe(200 * 1024 * 1024);
        const got = createHash('sha256');
        let size = 0;
        for await (const chunk of await b.readFileStream('/workspace/big.bin')) {
          got.update(chunk);
          size += chunk.length;
        }
        expect(size).toBe(200 * 1024 * 1024);
        expect(got.digest('hex')).toBe(sent.digest('hex'));
        await b.deleteFile('/workspace/big.bin');
      });

      it('reads files with their MIME type, and binary ones as base64 by default', async () => {
        await a.writeFile('/workspace/img.png', new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0, 9]));
        expect(await a.readFile('/workspace/img.png')).toMatchObject({
          encoding: 'base64',
          isBinary: true,
          mimeType: 'image/png',
          content: Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 9]).toString('base64'),
        });
        await a.writeFile('/workspace/n.json', '{"a":1}');
        expect(await a.readFile('/workspace/n.json')).toMatchObject({
          isBinary: false,
          mimeType: 'application/json',
        });
      });

      it('reports a missing file with FILE_NOT_FOUND', async () => {
        const err = await a.readFile('/workspace/nope.txt').catch((e: unknown) => e);
        expect((err as PaddockError).code).toBe('FILE_NOT_FOUND');
      });
    });

    describe('isolation', () => {
      it('keeps two sandboxes apart: files and processes', async () => {
        await a.writeFile('/workspace/secret-a', 'only in a');
        await a.exec('nohup sleep 300 > /dev/null 2>&1 &');
        const files = await b.exec('ls /workspace; cat /workspace/secret-a 2>&1; true');
        expect(files.stdout).not.toContain('only in a');
        const procs = await b.exec('ps -e -o comm=');
        expect(procs.stdout).not.toMatch(/sleep/);
        await a.exec('pkill -f "sleep 300"; true');
      });

      it('cannot reach the host or another sandbox over the network', async () => {
        const gw = (await a.exec("ip route show default | awk '{print $3}'")).stdout.trim();
        expect(gw).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
        const server = await listen(gw);
        try {
          const port = (server.address() as { port: number }).port;
          const toHost = await a.exec(
            `timeout 3 bash -c 'echo x > /dev/tcp/${gw}/${port}' && echo open || echo closed`,
          );
          expect(toHost.stdout.trim()).toBe('closed');
          const bIp = (
            await b.exec("ip -4 -o addr show eth0 | awk '{print $4}' | cut -d/ -f1")
          ).stdout.trim();
          const toB = await a.exec(
            `timeout 3 bash -c 'echo x > /dev/tcp/${bIp}/49983' && echo open || echo closed`,
          );
          expect(toB.stdout.trim()).toBe('closed');
        } finally {
          server.close();
        }
      });
    });

    describeLimits(ctx);
    describeLifecycle(ctx);
    describeSessions(ctx);
    describePty(() => ({ client, apiKey: daemon.apiKey }));
    describeWatch(ctx);
    describeInterpreter(() => ({ client, log: () => daemon.log.join('') }));
    describe('destroy', () => {
      it('removes cgroups, mounts, network namespace, veth and the writable layer', async () => {
        const pre = hostTraces(daemon.dataDir);
        const c = getSandbox(client, 'conf-destroy');
        await c.exec('echo data > /workspace/f');
        const during = hostTraces(daemon.dataDir);
        expect(during.mounts.length).toBeGreaterThan(pre.mounts.length);
        expect(during.netns.length).toBeGreaterThan(pre.netns.length);
        expect(during.cgroups.length).toBeGreaterThan(pre.cgroups.length);
        await c.destroy();
        const after = hostTraces(daemon.dataDir);
        for (const k of ['mounts', 'netns', 'links', 'cgroups', 'sandboxDirs'] as const) {
          const left = after[k].filter((x) => !pre[k].includes(x));
          expect({ kind: k, left }).toEqual({ kind: k, left: [] });
        }
        const err = await client.getSandboxInfo('conf-destroy').catch((e: unknown) => e);
        expect((err as PaddockError).code).toBe('SANDBOX_NOT_FOUND');
      });
    });
  });
}

function listen(host: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer((s) => s.destroy());
    server.once('error', reject);
    server.listen(0, host, () => resolve(server));
  });
}
