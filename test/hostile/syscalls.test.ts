/**
 * Kernel attack surface from inside a sandbox, on every backend: raw syscalls that would mount,
 * load modules, reach keyrings, load BPF, trace the agent, make namespaces or open host inodes
 * by handle. Each must fail with the errno its backend's boundary gives (the jail's seccomp
 * profile answers EPERM; gVisor's Sentry refuses as an unprivileged kernel or does not implement
 * the call).
 */
import { existsSync, readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { getSandbox, type Sandbox } from '@paddock/sdk';
import { attack } from './results.js';
import { adminOf, daemons, installProbe, syscall, type HostileDaemon } from './kit.js';

interface SyscallAttack {
  id: string;
  category: string;
  title: string;
  nr: number;
  args: string[];
  /** Expected errno name per backend. */
  expect: Record<string, string>;
}

const SIGCHLD = 17;
const CLONE_NEWUSER = 0x10000000;
const CLONE_NEWNS = 0x00020000;
const eperm = { jail: 'EPERM', gvisor: 'EPERM' };
/** Refused by the jail's seccomp; gVisor's Sentry gives its own answer (named per call). */
const jailEperm = (gvisor: string) => ({ jail: 'EPERM', gvisor });

const ATTACKS: SyscallAttack[] = [
  {
    id: 'H-SYS-01',
    category: 'mount',
    title: 'mount(2) a tmpfs',
    nr: 165,
    args: ['s:none', 's:/mnt', 's:tmpfs', '0', '0'],
    expect: eperm,
  },
  {
    id: 'H-SYS-02',
    category: 'mount',
    title: 'fsopen(2), the new mount API',
    nr: 430,
    args: ['s:tmpfs', '0'],
    expect: jailEperm('ENOSYS'),
  },
  {
    id: 'H-SYS-03',
    category: 'mount',
    title: 'pivot_root(2)',
    nr: 155,
    args: ['s:/tmp', 's:/tmp'],
    expect: eperm,
  },
  {
    id: 'H-SYS-04',
    category: 'module',
    title: 'init_module(2)',
    nr: 175,
    args: ['0', '0', 's:'],
    expect: eperm,
  },
  {
    id: 'H-SYS-05',
    category: 'module',
    title: 'finit_module(2) on stdin',
    nr: 313,
    args: ['0', 's:', '0'],
    expect: eperm,
  },
  {
    id: 'H-SYS-06',
    category: 'module',
    title: 'delete_module(2)',
    nr: 176,
    args: ['s:ext4', '0'],
    expect: eperm,
  },
  {
    id: 'H-SYS-07',
    category: 'keyctl',
    title: 'add_key(2) to the session keyring',
    nr: 248,
    args: ['s:user', 's:x', 's:secret', '6', '-3'],
    expect: jailEperm('EACCES'),
  },
  {
    id: 'H-SYS-08',
    category: 'keyctl',
    title: 'keyctl(2) join a session keyring',
    nr: 250,
    args: ['1', 's:hostile'],
    expect: jailEperm('EACCES'),
  },
  {
    id: 'H-SYS-09',
    category: 'bpf',
    title: 'bpf(2) BPF_PROG_LOAD',
    nr: 321,
    args: ['5', '0', '0'],
    expect: eperm,
  },
  {
    id: 'H-SYS-10',
    category: 'userns',
    title: 'unshare(CLONE_NEWUSER)',
    nr: 272,
    args: [String(CLONE_NEWUSER)],
    expect: jailEperm('ok 0'),
  },
  {
    id: 'H-SYS-11',
    category: 'userns',
    title: 'clone(CLONE_NEWUSER)',
    nr: 56,
    args: [String(CLONE_NEWUSER | SIGCHLD), '0', '0', '0', '0'],
    expect: jailEperm('ok'),
  },
  {
    id: 'H-SYS-12',
    category: 'mount',
    title: 'unshare(CLONE_NEWNS)',
    nr: 272,
    args: [String(CLONE_NEWNS)],
    expect: jailEperm('ok 0'),
  },
  {
    id: 'H-SYS-13',
    category: 'escape',
    title: 'open_by_handle_at(2) (the "shocker" escape)',
    nr: 304,
    args: ['3', '0', '0'],
    expect: jailEperm('ENOTSUP'),
  },
  {
    id: 'H-SYS-14',
    category: 'kernel',
    title: 'perf_event_open(2)',
    nr: 298,
    args: ['0', '0', '-1', '-1', '0'],
    expect: jailEperm('ENODEV'),
  },
  {
    id: 'H-SYS-15',
    category: 'kernel',
    title: 'kexec_load(2)',
    nr: 246,
    args: ['0', '0', '0', '0'],
    expect: eperm,
  },
  {
    id: 'H-SYS-16',
    category: 'kernel',
    title: 'syslog(2) read the kernel log',
    nr: 103,
    args: ['3', '0', '0'],
    expect: jailEperm('ok 0'),
  },
  {
    id: 'H-SYS-17',
    category: 'kernel',
    title: 'iopl(2) raise I/O privilege',
    nr: 172,
    args: ['3'],
    expect: eperm,
  },
  {
    id: 'H-SYS-18',
    category: 'kernel',
    title: 'io_uring_setup(2)',
    nr: 425,
    args: ['8', '0'],
    expect: jailEperm('EFAULT'),
  },
  {
    id: 'H-SYS-19',
    category: 'kernel',
    title: 'userfaultfd(2)',
    nr: 323,
    args: ['0'],
    expect: jailEperm('ENOSYS'),
  },
];

describe.each(daemons())('syscalls: $backend', (d: HostileDaemon) => {
  let sb: Sandbox;

  beforeAll(async () => {
    sb = getSandbox(adminOf(d), 'hostile-sys');
    await installProbe(sb);
  });

  afterAll(async () => {
    await sb?.destroy();
  });

  for (const a of ATTACKS) {
    attack(d.backend, {
      id: a.id,
      category: a.category,
      title: a.title,
      run: async () => {
        const got = await syscall(sb, a.nr, ...a.args);
        const want = a.expect[d.backend] ?? 'EPERM';
        if (!want.startsWith('ok')) {
          expect(got).toBe(want);
          return got;
        }
        // Calls gVisor implements in its Sentry act on the Sentry's own kernel objects only;
        // H-SYS-21 checks from the host that no host namespace appears.
        expect(got).toMatch(want === 'ok' ? /^ok \d+$/ : new RegExp(`^${want}$`));
        return `${got.split(' ')[0]}: Sentry-internal`;
      },
    });
  }

  attack(d.backend, {
    id: 'H-SYS-20',
    category: 'ptrace',
    title: 'ptrace(PTRACE_ATTACH) the agent, found by its pid from inside',
    run: async () => {
      const pid = (
        await sb.exec('pgrep -o -f "^/usr/bin/node /opt/paddock/agent.mjs" || true')
      ).stdout.trim();
      expect(pid).toMatch(/^\d+$/);
      const got = await syscall(sb, 101, '16', pid, '0', '0');
      expect(got).toBe('EPERM');
      const mem = await sb.exec(`head -c 16 /proc/${pid}/mem 2>&1; echo " exit=$?"`);
      expect(mem.stdout).not.toMatch(/exit=0/);
      return `agent pid ${pid}: ptrace ${got}; /proc/pid/mem unreadable`;
    },
  });

  attack(d.backend, {
    id: 'H-SYS-21',
    category: 'userns',
    title: 'unshare -Urm (a root user namespace) and look for it from the host',
    run: async () => {
      const before = hostNamespaces(d.dataDir);
      expect(before.size).toBeGreaterThan(0);
      const r = await sb.exec(
        'unshare -Urm sleep 30 & sleep 1; readlink /proc/$!/ns/user /proc/self/ns/user; ' +
          'mount -t tmpfs none /mnt 2>&1; kill $! 2>/dev/null; true',
      );
      const during = hostNamespaces(d.dataDir);
      expect([...during].filter((ns) => !before.has(ns))).toEqual([]);
      if (d.backend === 'jail') {
        expect(r.stderr).toMatch(/unshare failed: Operation not permitted/);
        return 'EPERM';
      }
      const [inner, outer] = r.stdout.trim().split('\n');
      expect(inner).toMatch(/^user:\[\d+\]$/);
      expect(inner).not.toBe(outer);
      return 'Sentry-internal namespace; no new host namespace';
    },
  });
});

/** The user and mount namespaces of every host process in this daemon's sandboxes' cgroups. */
function hostNamespaces(dataDir: string): Set<string> {
  const out = new Set<string>();
  const dir = join(dataDir, 'sandboxes');
  for (const name of existsSync(dir) ? readdirSync(dir) : []) {
    const tasks = join('/sys/fs/cgroup/pids/paddock', name, 'tasks');
    if (!existsSync(tasks)) continue;
    for (const pid of readFileSync(tasks, 'utf8').split('\n').filter(Boolean)) {
      for (const ns of ['user', 'mnt']) {
        try {
          out.add(readlinkSync(`/proc/${pid}/ns/${ns}`));
        } catch {
          // the task ended meanwhile
        }
      }
    }
  }
  return out;
}
