/**
 * Reaching the host's files and kernel knobs from inside a sandbox, on every backend: /proc
 * (another root, mount leaks, kcore, sysctl and sysrq writes), /sys (writes, uevent helper), the
 * cgroup v1 release_agent escape, and device nodes. A canary file planted on the host must never
 * be seen; host knobs the attacks aim at must be unchanged afterwards.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { getSandbox, type Sandbox } from '@paddock/sdk';
import { attack } from './results.js';
import { adminOf, daemons, installProbe, syscall, type HostileDaemon } from './kit.js';

const NO_ENT = /No such file or directory/;
const RO = /Read-only file system/;
const EPERM = /Operation not permitted/;

/** The host knobs an escape would change: read before and after every attack of the file. */
const HOST_KNOBS = [
  '/proc/sys/kernel/core_pattern',
  '/proc/sys/kernel/sysrq',
  '/sys/fs/cgroup/memory/release_agent',
  '/sys/kernel/uevent_helper',
];

const readKnobs = () => HOST_KNOBS.map((p) => `${p}=${safeRead(p)}`);

function safeRead(p: string): string {
  try {
    return readFileSync(p, 'utf8').trim();
  } catch (e) {
    return `unreadable: ${(e as NodeJS.ErrnoException).code}`;
  }
}

describe.each(daemons())('host files and knobs: $backend', (d: HostileDaemon) => {
  let sb: Sandbox;
  let canaryDir: string;
  let canary: string;
  const knobsBefore = readKnobs();

  beforeAll(async () => {
    canaryDir = mkdtempSync('/tmp/paddock-hostile-canary-');
    canary = join(canaryDir, 'canary');
    writeFileSync(canary, 'host-secret-canary\n');
    sb = getSandbox(adminOf(d), 'hostile-host');
    await sb.exec('true');
  });

  afterAll(async () => {
    await sb?.destroy();
    expect(readKnobs()).toEqual(knobsBefore);
    expect(readFileSync(canary, 'utf8')).toBe('host-secret-canary\n');
    rmSync(canaryDir, { recursive: true, force: true });
  });

  const run = async (cmd: string) => {
    const r = await sb.exec(cmd, { timeout: 30_000 });
    return { out: `${r.stdout}${r.stderr}`, code: r.exitCode };
  };

  attack(d.backend, {
    id: 'H-PROC-01',
    category: 'procfs',
    title: "read a host file through /proc/1/root and the agent's /proc/<pid>/root",
    run: async () => {
      const agent = '$(pgrep -o -f "^/usr/bin/node /opt/paddock/agent.mjs")';
      const r = await run(`cat /proc/1/root${canary}; cat /proc/${agent}/root${canary}`);
      expect(r.out).not.toContain('host-secret-canary');
      // gVisor refuses /proc/<pid>/root to a process without CAP_SYS_PTRACE.
      const why = d.backend === 'gvisor' ? /Permission denied/g : /No such file or directory/g;
      expect(r.out.match(why)?.length).toBe(2);
      return d.backend === 'gvisor' ? 'EACCES' : 'ENOENT (the sandbox root)';
    },
  });

  attack(d.backend, {
    id: 'H-PROC-02',
    category: 'procfs',
    title: 'follow host paths leaked by /proc/self/mountinfo',
    run: async () => {
      const info = (await run('cat /proc/self/mountinfo')).out;
      const leaked = [...new Set(info.match(/\/(?:tmp|var\/lib)\/paddock[^\s,:]*/g) ?? [])];
      const dataDir = `${d.dataDir}/api-key`;
      const probe = [...leaked, dataDir, '/var/lib/paddock/api-key'];
      const r = await run(probe.map((p) => `cat '${p}' 2>&1 | head -c 200; echo`).join('; '));
      expect(r.out).not.toMatch(/paddock_[A-Za-z0-9_-]{20,}/);
      expect(r.out.match(/No such file or directory/g)?.length).toBe(probe.length);
      return leaked.length
        ? `${leaked.length} host path(s) named, none reachable (ENOENT)`
        : 'no host paths named; ENOENT';
    },
  });

  attack(d.backend, {
    id: 'H-PROC-03',
    category: 'procfs',
    title: 'read host memory through /proc/kcore and /dev/mem',
    run: async () => {
      const r = await run('head -c 16 /proc/kcore | wc -c; head -c 16 /dev/mem | wc -c');
      expect(r.out).toMatch(/^0\n0\n/);
      expect(r.out).toMatch(/\/proc\/kcore' for reading: No such file or directory/);
      expect(r.out).toMatch(/\/dev\/mem' for reading: No such file or directory/);
      return 'ENOENT';
    },
  });

  attack(d.backend, {
    id: 'H-PROC-04',
    category: 'procfs',
    title: 'write /proc/sys/kernel/core_pattern (the core-dump helper escape)',
    run: async () => {
      const r = await run('echo "|/tmp/evil %p" > /proc/sys/kernel/core_pattern');
      expect(r.code).not.toBe(0);
      expect(r.out).toMatch(d.backend === 'gvisor' ? EPERM : RO);
      expect(safeRead('/proc/sys/kernel/core_pattern')).not.toContain('/tmp/evil');
      return `${d.backend === 'gvisor' ? 'EPERM' : 'EROFS'}, host core_pattern unchanged`;
    },
  });

  attack(d.backend, {
    id: 'H-PROC-05',
    category: 'procfs',
    title: 'write /proc/sysrq-trigger',
    run: async () => {
      const r = await run('echo h > /proc/sysrq-trigger');
      expect(r.code).not.toBe(0);
      // This host's kernel has no sysrq-trigger (ENOENT); where it has, the jail mounts it read-only.
      expect(r.out).toMatch(d.backend === 'gvisor' ? EPERM : /No such file or directory|Read-only/);
      return d.backend === 'gvisor' ? 'EPERM' : 'ENOENT';
    },
  });

  attack(d.backend, {
    id: 'H-SYSFS-01',
    category: 'sysfs',
    title: 'write /sys (uevent_helper, new files)',
    run: async () => {
      const r = await run('echo /tmp/evil > /sys/kernel/uevent_helper; touch /sys/x; ls -A /sys');
      expect(r.out).toMatch(NO_ENT);
      expect(r.out).toMatch(RO);
      expect(
        r.out
          .split('\n')
          .filter((l) => !/^touch|^\/bin\/bash/.test(l))
          .join(''),
      ).toBe('');
      return 'uevent_helper ENOENT, /sys read-only and empty';
    },
  });

  attack(d.backend, {
    id: 'H-CG-01',
    category: 'cgroup',
    title: 'cgroup v1 release_agent escape (mount a memory hierarchy to set release_agent)',
    run: async () => {
      await installProbe(sb);
      const ls = await run('ls /sys/fs/cgroup; mkdir -p /tmp/cg; cat /proc/self/cgroup');
      expect(ls.out).toMatch(/\/sys\/fs\/cgroup': No such file or directory/);
      const got = await syscall(sb, 165, 's:cgroup', 's:/tmp/cg', 's:cgroup', '0', 's:memory');
      expect(got).toBe('EPERM');
      expect(safeRead('/sys/fs/cgroup/memory/release_agent')).not.toContain('/tmp/evil');
      return 'no cgroupfs in /sys; mount(cgroup) EPERM; host release_agent unchanged';
    },
  });

  attack(d.backend, {
    id: 'H-DEV-01',
    category: 'device',
    title: 'mknod a disk (block 8:0, /dev/sda-like) and /dev/mem (char 1:1), then open them',
    run: async () => {
      const r = await run(
        'mknod /workspace/sda b 8 0; mknod /workspace/mem c 1 1; mknod /tmp/sda b 8 0; ' +
          'head -c 1 /tmp/sda | wc -c',
      );
      if (d.backend === 'gvisor') {
        // The Sentry's own /tmp (a tmpfs in the Sentry) takes the node, but it names no device
        // the Sentry has: opening it is ENXIO. On the host-backed disk mknod is EPERM.
        expect(r.out.match(/Operation not permitted/g)?.length).toBe(2);
        expect(r.out).toMatch(/No such device or address/);
        return 'EPERM on disk; ENXIO in the Sentry tmpfs';
      }
      expect(r.out.match(/Operation not permitted/g)?.length).toBe(3);
      return 'EPERM';
    },
  });

  attack(d.backend, {
    id: 'H-DEV-02',
    category: 'device',
    title: 'find host disks, memory or the kernel log among the device nodes',
    run: async () => {
      const r = await run(
        'find /dev -type b | wc -l; for f in /dev/sda /dev/vda /dev/mem /dev/kmsg /dev/port; do ' +
          'head -c 1 $f > /dev/null; done',
      );
      expect(r.out.split('\n')[0]).toBe('0');
      expect(r.out.match(/No such file or directory/g)?.length).toBe(5);
      return 'no block devices; ENOENT';
    },
  });
});
