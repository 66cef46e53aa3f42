import { describe, expect, it } from 'vitest';
import { ociConfig, type OciSpecInput } from './config.js';
import { loadSeccompProfile } from './seccomp.js';

const input: OciSpecInput = {
  containerId: 'pdk0123456789',
  hostname: 'demo',
  rootfs: '/var/lib/paddock/sandboxes/pdk0123456789/rootfs',
  netnsPath: '/var/run/netns/pdk0123456789',
  hostIdBase: 1_000_000,
  cgroupsPath: '/paddock/pdk0123456789',
  limits: { cpuMillis: 500, memoryMiB: 256, pids: 128, openFiles: 4096 },
  args: ['/usr/bin/tini', '-g', '--', '/usr/bin/node', '/opt/paddock/agent.mjs'],
  env: { PATH: '/usr/bin:/bin', PADDOCK_AGENT_TOKEN: 't' },
  seccomp: loadSeccompProfile(),
  nproc: undefined,
};

describe('ociConfig', () => {
  const config = ociConfig(input) as any;

  it('pins the process: root of the user namespace, minimal capabilities, no new privileges', () => {
    expect(config.process).toEqual({
      terminal: false,
      user: { uid: 0, gid: 0 },
      args: ['/usr/bin/tini', '-g', '--', '/usr/bin/node', '/opt/paddock/agent.mjs'],
      env: ['PATH=/usr/bin:/bin', 'PADDOCK_AGENT_TOKEN=t'],
      cwd: '/',
      capabilities: {
        bounding: expect.any(Array),
        effective: expect.any(Array),
        permitted: expect.any(Array),
      },
      rlimits: [{ type: 'RLIMIT_NOFILE', hard: 4096, soft: 4096 }],
      noNewPrivileges: true,
    });
    expect(config.process.capabilities.bounding).toEqual([
      'CAP_CHOWN',
      'CAP_DAC_OVERRIDE',
      'CAP_FOWNER',
      'CAP_FSETID',
      'CAP_KILL',
      'CAP_SETGID',
      'CAP_SETUID',
      'CAP_SETPCAP',
      'CAP_NET_BIND_SERVICE',
      'CAP_SYS_CHROOT',
      'CAP_SETFCAP',
      'CAP_AUDIT_WRITE',
    ]);
    expect(config.process.capabilities.bounding).not.toContain('CAP_SYS_ADMIN');
  });

  it('pins every namespace, the id mapping and the joined network namespace', () => {
    expect(config.linux.namespaces).toEqual([
      { type: 'pid' },
      { type: 'ipc' },
      { type: 'uts' },
      { type: 'mount' },
      { type: 'cgroup' },
      { type: 'user' },
      { type: 'network', path: '/var/run/netns/pdk0123456789' },
    ]);
    expect(config.linux.uidMappings).toEqual([{ containerID: 0, hostID: 1_000_000, size: 65_536 }]);
    expect(config.linux.gidMappings).toEqual(config.linux.uidMappings);
  });

  it('pins the resource limits', () => {
    expect(config.linux.cgroupsPath).toBe('/paddock/pdk0123456789');
    expect(config.linux.resources).toEqual({
      devices: [{ allow: false, access: 'rwm' }],
      memory: { limit: 268_435_456, swap: 268_435_456 },
      cpu: { quota: 50_000, period: 100_000 },
      pids: { limit: 128 },
    });
  });

  it('pins the mounts: no host paths, an empty read-only /sys', () => {
    expect(
      config.mounts.map((m: any) => `${m.destination} ${m.type} ${m.options.join(',')}`),
    ).toEqual([
      '/proc proc nosuid,noexec,nodev',
      '/dev tmpfs nosuid,strictatime,mode=755,size=65536k',
      '/dev/pts devpts nosuid,noexec,newinstance,ptmxmode=0666,mode=0620',
      '/dev/shm tmpfs nosuid,noexec,nodev,mode=1777,size=65536k',
      '/dev/mqueue mqueue nosuid,noexec,nodev',
      '/sys tmpfs nosuid,noexec,nodev,ro,size=4k',
    ]);
    for (const m of config.mounts) expect(m.type).not.toBe('bind');
    expect(config.root).toEqual({ path: input.rootfs, readonly: false });
    expect(config.hostname).toBe('demo');
  });

  it('pins the gVisor variant: no user namespace, no host seccomp, RLIMIT_NPROC as the pids limit', () => {
    const g = ociConfig({ ...input, hostIdBase: undefined, seccomp: undefined, nproc: 128 }) as any;
    expect(g.linux.namespaces.map((n: any) => n.type)).toEqual([
      'pid',
      'ipc',
      'uts',
      'mount',
      'cgroup',
      'network',
    ]);
    expect(g.linux.uidMappings).toBeUndefined();
    expect(g.linux.seccomp).toBeUndefined();
    expect(g.process.rlimits).toEqual([
      { type: 'RLIMIT_NOFILE', hard: 4096, soft: 4096 },
      { type: 'RLIMIT_NPROC', hard: 128, soft: 128 },
    ]);
  });

  it('sets RLIMIT_NOFILE from the openFiles limit', () => {
    const g = ociConfig({ ...input, limits: { ...input.limits, openFiles: 256 } }) as any;
    expect(g.process.rlimits).toEqual([{ type: 'RLIMIT_NOFILE', hard: 256, soft: 256 }]);
  });

  it('applies a default-deny seccomp profile that refuses what a sandbox has no use for', () => {
    const sc = config.linux.seccomp;
    expect(sc.defaultAction).toBe('SCMP_ACT_ERRNO');
    const allowed: string[] = sc.syscalls.find(
      (s: any) => s.action === 'SCMP_ACT_ALLOW' && !s.args,
    ).names;
    for (const banned of [
      'mount',
      'umount2',
      'pivot_root',
      'init_module',
      'finit_module',
      'delete_module',
      'kexec_load',
      'keyctl',
      'add_key',
      'request_key',
      'bpf',
      'userfaultfd',
      'unshare',
      'setns',
      'ptrace',
      'open_by_handle_at',
      'perf_event_open',
      'io_uring_setup',
      'clone3',
    ]) {
      expect(allowed).not.toContain(banned);
    }
    expect(allowed).toContain('execve');
    const clone = sc.syscalls.find((s: any) => s.names.includes('clone'));
    // Only clone without CLONE_NEWNS|NEWUTS|NEWIPC|NEWUSER|NEWPID|NEWNET|NEWCGROUP.
    expect(clone.args).toEqual([
      { index: 0, value: 0x7e020000, valueTwo: 0, op: 'SCMP_CMP_MASKED_EQ' },
    ]);
  });
});
