/**
 * The microvm backend. Where KVM runs guests, the full conformance suite. Where it does not (PVM,
 * or no vmx/svm: QEMU falls back to TCG emulation, far too slow for the whole suite), a smoke
 * subset in the same style keeps the backend's code path tested: boot, exec, its own kernel,
 * files, a preview URL, QEMU's confinement, a dead guest reported, and destroy leaving nothing
 * behind.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { release as osRelease } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Paddock, getSandbox, type Sandbox } from '@paddock/sdk';
import { describeConformance } from './conformance.js';
import { prepareImage } from '../../packages/daemon/dist/app.js';
import { probeMicrovm } from '../../packages/daemon/dist/backends/microvm/probe.js';
import { loadConfig } from '../../packages/daemon/dist/config.js';
import { IMAGE_DIR, hostTraces, removeDataDir, startDaemon, type TestDaemon } from './harness.js';
import { PREVIEW_APP } from './preview-app.js';
import { at, get, withToken } from './preview-client.js';

const SUBNET = '10.220.0.0/16';

function kvmRunsGuests(): boolean {
  const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
  const hardware = /^flags\s*:.*\b(vmx|svm)\b/m.test(cpuinfo);
  return existsSync('/dev/kvm') && hardware && !existsSync('/sys/module/kvm_pvm');
}

if (kvmRunsGuests()) {
  describeConformance({
    backend: 'microvm',
    subnet: SUBNET,
    ownKernel: true,
    survivesLimits: true,
  });
} else {
  console.log(
    'microvm: KVM cannot run guests on this host (PVM or no vmx/svm); running the TCG smoke ' +
      'subset (boot, exec, kernel, files, preview, confinement, death, destroy), not the full suite',
  );
  describeSmoke();
}

/** QEMU's PID for each sandbox directory the daemon has. */
function qemuPids(dataDir: string): Map<string, number> {
  const dir = join(dataDir, 'sandboxes');
  const out = new Map<string, number>();
  for (const name of existsSync(dir) ? readdirSync(dir) : []) {
    const file = join(dir, name, 'qemu.pid');
    if (existsSync(file)) out.set(name, Number(readFileSync(file, 'utf8').trim()));
  }
  return out;
}

function isQemu(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('qemu-system-x86_64');
  } catch {
    return false;
  }
}

function statusFields(pid: number): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const line of readFileSync(`/proc/${pid}/status`, 'utf8').split('\n')) {
    const [k, v] = line.split(':\t');
    if (k && v !== undefined) fields[k] = v.trim();
  }
  return fields;
}

function describeSmoke(): void {
  describe('microvm smoke subset (TCG)', () => {
    let daemon: TestDaemon;
    let client: Paddock;
    let a: Sandbox;

    beforeAll(async () => {
      daemon = await startDaemon({ backend: 'microvm', subnet: SUBNET });
      client = new Paddock({ url: daemon.url, apiKey: daemon.apiKey });
      a = getSandbox(client, 'mvm-a', { limits: { memoryMiB: 512, pids: 128, diskMiB: 256 } });
      await a.exec('true');
    });

    afterAll(async () => {
      await a?.destroy();
      await daemon?.stop();
      if (daemon) removeDataDir(daemon.dataDir);
    });

    it('boots and runs echo', async () => {
      const r = await a.exec('echo hello');
      expect(r).toMatchObject({ success: true, exitCode: 0, stdout: 'hello\n', stderr: '' });
      expect((await a.info()).backend).toBe('microvm');
    });

    it('runs on a kernel of its own', async () => {
      const r = await a.exec('uname -r; cat /proc/version');
      expect(r.stdout.split('\n')[0]).not.toBe(osRelease());
      expect(r.stdout).not.toContain(readFileSync('/proc/version', 'utf8').trim());
      const init = await a.exec('cat /proc/1/cmdline | tr "\\0" " "');
      expect(init.stdout).toMatch(/tini/);
    });

    it('writes and reads back a file', async () => {
      await a.writeFile('/workspace/notes/hello.txt', 'héllo wörld\n');
      expect((await a.readFile('/workspace/notes/hello.txt')).content).toBe('héllo wörld\n');
      expect((await a.exec('cat /workspace/notes/hello.txt')).stdout).toBe('héllo wörld\n');
    });

    it('serves an exposed port through the preview proxy', async () => {
      await a.writeFile('/workspace/app.js', PREVIEW_APP);
      const proc = await a.startProcess('node /workspace/app.js 8080');
      await proc.waitForPort(8080, { mode: 'tcp', timeout: 60_000 });
      const { url } = await a.exposePort(8080);
      const r = await get(at(url, '/headers'));
      expect(r.status).toBe(200);
      expect(JSON.parse(r.body)).toMatchObject({ host: 'localhost:8080' });
      const wrong = await get(withToken(url, 'a'.repeat(26)));
      expect(wrong.status).toBe(404);
      await a.unexposePort(8080);
      await proc.kill();
    });

    it('keeps the variables of a python code context across runs', async () => {
      const ctx = await a.createCodeContext({ language: 'python' });
      await a.runCode('answer = 6 * 7', { context: ctx, timeout: 120_000 });
      const r = await a.runCode('answer', { context: ctx, timeout: 120_000 });
      expect(r.results).toEqual([{ text: '42' }]);
      await a.deleteCodeContext(ctx);
    });

    it('runs QEMU as a non-root uid with seccomp and no_new_privs', () => {
      const pids = [...qemuPids(daemon.dataDir).values()];
      expect(pids.length).toBeGreaterThan(0);
      for (const pid of pids) {
        expect(isQemu(pid)).toBe(true);
        const s = statusFields(pid);
        const uids = (s['Uid'] ?? '').split(/\s+/).map(Number);
        expect(uids).toHaveLength(4);
        for (const uid of uids) expect(uid).toBeGreaterThan(0);
        expect(s['Seccomp']).toBe('2');
        expect(s['NoNewPrivs']).toBe('1');
        expect(s['CapEff']).toBe('0000000000000000');
      }
    });

    it('cannot reach the host or another sandbox over the network', async () => {
      const gw = (await a.exec("ip route show default | awk '{print $3}'")).stdout.trim();
      const server = createServer((sock) => sock.destroy());
      await new Promise<void>((resolve) => server.listen(0, gw, resolve));
      try {
        const port = (server.address() as AddressInfo).port;
        const probe = (host: string, p: number) =>
          `timeout 5 bash -c 'echo x > /dev/tcp/${host}/${p}' && echo open || echo closed`;
        expect((await a.exec(probe(gw, port), { timeout: 30_000 })).stdout.trim()).toBe('closed');
        const b = getSandbox(client, 'mvm-b');
        const bIp = (
          await b.exec("ip -4 -o addr show eth0 | awk '{print $4}' | cut -d/ -f1")
        ).stdout.trim();
        expect((await a.exec(probe(bIp, 49983), { timeout: 30_000 })).stdout.trim()).toBe('closed');
        await b.destroy();
      } finally {
        server.close();
      }
    });

    it('egress: denied by default; with internet:true the guest fetches from npm', async () => {
      // This machine's egress re-signs TLS with a CA the host trusts: give the guest the bundle.
      const ca = process.env['SSL_CERT_FILE'] ?? '/etc/ssl/certs/ca-certificates.crt';
      await a.writeFile('/tmp/host-ca.crt', readFileSync(ca, 'utf8'));
      const curl =
        "curl -sS -o /dev/null -w '%{http_code}' --cacert /tmp/host-ca.crt --connect-timeout 5 " +
        '-m 60 https://registry.npmjs.org/is-number || true';
      expect((await a.exec('cat /etc/resolv.conf')).stdout).toMatch(/^nameserver 10\./);
      expect((await a.exec('getent hosts registry.npmjs.org')).exitCode).not.toBe(0);
      expect((await a.exec(curl, { timeout: 90_000 })).stdout).toBe('000');
      await a.setNetworkPolicy({ internet: true });
      expect((await a.exec(curl, { timeout: 90_000 })).stdout).toBe('200');
      await a.setNetworkPolicy({});
      expect((await a.exec(curl, { timeout: 90_000 })).stdout).toBe('000');
    });

    it('OOM-kills a memory hog inside the guest; the VM lives on', async () => {
      const hog = 'python3 -c "x = []\nwhile True: x.append(bytearray(16 * 1024 * 1024))"';
      const r = await a.exec(hog, { timeout: 120_000 });
      expect(r).toMatchObject({ success: false, exitCode: 137 });
      expect((await a.exec('echo alive')).stdout).toBe('alive\n');
    });

    it('keeps the serial console readable through the API', async () => {
      const log = await a.consoleLog();
      expect(log).toContain('paddock stage 2: starting the agent');
    });

    it('holds the disk quota', async () => {
      const fill = await a.exec(
        'dd if=/dev/zero of=/workspace/fill bs=1M count=512 2>&1; echo rc=$?',
        {
          timeout: 120_000,
        },
      );
      expect(fill.stdout).toMatch(/No space left on device/);
      await a.exec('rm -f /workspace/fill');
      expect((await a.exec('echo fine')).stdout).toBe('fine\n');
    });

    it('sleeps (QEMU gone, data disk kept), wakes on the next call, pauses and resumes', async () => {
      expect((await a.exec('ulimit -n')).stdout).toBe('4096\n');
      await a.writeFile('/workspace/sleep.txt', 'kept across sleep');
      expect((await a.sleep()).state).toBe('sleeping');
      expect([...qemuPids(daemon.dataDir).values()].filter(isQemu)).toEqual([]);
      expect((await a.readFile('/workspace/sleep.txt')).content).toBe('kept across sleep');
      await a.exec('nohup sleep 1000 > /dev/null 2>&1 &');
      expect((await a.pause()).state).toBe('sleeping');
      expect((await a.resume()).state).toBe('running');
      expect((await a.exec('pgrep -x sleep > /dev/null && echo kept')).stdout).toBe('kept\n');
    });

    it('boots a probe VM (what --backend auto does before choosing microvm)', async () => {
      const config = loadConfig({ 'image-dir': IMAGE_DIR, 'data-dir': daemon.dataDir }, {});
      const image = await prepareImage(config, () => undefined);
      expect(image.vm).toBeDefined();
      expect(await probeMicrovm(image.vm!, 'tcg', 60_000)).toBeUndefined();
    });

    it('reports a sandbox whose guest kernel panicked as failed', async () => {
      const c = getSandbox(client, 'mvm-panic');
      await c.exec('true');
      await c.exec('echo c > /proc/sysrq-trigger', { timeout: 2000 }).catch((e: unknown) => e);
      let info = await c.info();
      for (let i = 0; i < 60 && info.state !== 'failed'; i++) {
        await c.exec('true', { timeout: 1000 }).catch(() => undefined);
        info = await c.info();
      }
      expect(info.state).toBe('failed');
      await c.destroy();
    });

    it('destroy leaves no QEMU, tap, netns, cgroup, disk or directory behind', async () => {
      const pre = hostTraces(daemon.dataDir);
      const prePids = qemuPids(daemon.dataDir);
      const c = getSandbox(client, 'mvm-destroy');
      await c.exec('echo data > /workspace/f');
      const during = hostTraces(daemon.dataDir);
      expect(during.netns.length).toBeGreaterThan(pre.netns.length);
      expect(during.links.length).toBeGreaterThan(pre.links.length);
      expect(during.cgroups.length).toBeGreaterThan(pre.cgroups.length);
      const added = [...qemuPids(daemon.dataDir)].filter(([name]) => !prePids.has(name));
      expect(added).toHaveLength(1);
      const [name, pid] = added[0] as [string, number];
      expect(isQemu(pid)).toBe(true);
      await c.destroy();
      expect(isQemu(pid)).toBe(false);
      expect(existsSync(join(daemon.dataDir, 'sandboxes', name))).toBe(false);
      const after = hostTraces(daemon.dataDir);
      for (const k of ['mounts', 'netns', 'links', 'cgroups', 'sandboxDirs'] as const) {
        const left = after[k].filter((x) => !pre[k].includes(x));
        expect({ kind: k, left }).toEqual({ kind: k, left: [] });
      }
    });
  });
}
