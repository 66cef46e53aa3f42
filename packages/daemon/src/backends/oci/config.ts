/**
 * The OCI runtime config of one sandbox, as a pure function of its spec. runc (jail) and runsc
 * (gvisor) run the same bundles. Tests pin the output.
 */
import type { SeccompProfile } from './seccomp.js';
import { toOciSeccomp } from './seccomp.js';

export interface OciSpecInput {
  /** Runtime container id (also the hostname). */
  containerId: string;
  hostname: string;
  /** Absolute path of the prepared root filesystem (overlay mount point). */
  rootfs: string;
  /** Absolute path of the network namespace the sandbox joins. */
  netnsPath: string;
  /**
   * First host uid/gid of the range the sandbox's ids 0..65535 map to, in a user namespace of
   * its own; undefined for no user namespace (gVisor: its Sentry already runs unprivileged).
   */
  hostIdBase: number | undefined;
  cgroupsPath: string;
  /** openFiles is every process's RLIMIT_NOFILE (soft and hard). */
  limits: { cpuMillis: number; memoryMiB: number; pids: number; openFiles: number };
  /** argv of the sandbox's init. */
  args: readonly string[];
  env: Readonly<Record<string, string>>;
  /** Host file bind-mounted read-only on /etc/resolv.conf (names the daemon's resolver). */
  resolvConf?: string;
  /** Omitted from the config when undefined. */
  seccomp: SeccompProfile | undefined;
  /** RLIMIT_NPROC for the sandbox's processes, where the runtime's kernel counts per sandbox. */
  nproc: number | undefined;
}

/** A namespaced root keeps only what ordinary package installs and servers use. */
export const SANDBOX_CAPABILITIES = [
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
] as const;

const ID_RANGE = 65_536;
const CPU_PERIOD_US = 100_000;
const MiB = 1024 * 1024;

/** Kernel interfaces that reveal or reach the host; hidden or read-only as Docker and runc do. */
export const MASKED_PATHS = [
  '/proc/acpi',
  '/proc/asound',
  '/proc/kcore',
  '/proc/keys',
  '/proc/latency_stats',
  '/proc/timer_list',
  '/proc/timer_stats',
  '/proc/sched_debug',
  '/proc/scsi',
  '/sys/firmware',
  '/sys/devices/virtual/powercap',
];

export const READONLY_PATHS = [
  '/proc/bus',
  '/proc/fs',
  '/proc/irq',
  '/proc/sys',
  '/proc/sysrq-trigger',
];

export function ociConfig(input: OciSpecInput): Record<string, unknown> {
  return {
    ociVersion: '1.0.2',
    process: processSection(input),
    root: { path: input.rootfs, readonly: false },
    hostname: input.hostname,
    mounts: input.resolvConf ? [...MOUNTS, resolvMount(input.resolvConf)] : MOUNTS,
    linux: linuxSection(input),
  };
}

function processSection(input: OciSpecInput): Record<string, unknown> {
  const caps = [...SANDBOX_CAPABILITIES];
  return {
    terminal: false,
    user: { uid: 0, gid: 0 },
    args: [...input.args],
    env: Object.entries(input.env).map(([k, v]) => `${k}=${v}`),
    cwd: '/',
    capabilities: { bounding: caps, effective: caps, permitted: caps },
    rlimits: [
      { type: 'RLIMIT_NOFILE', hard: input.limits.openFiles, soft: input.limits.openFiles },
      ...(input.nproc === undefined
        ? []
        : [{ type: 'RLIMIT_NPROC', hard: input.nproc, soft: input.nproc }]),
    ],
    noNewPrivileges: true,
  };
}

function linuxSection(input: OciSpecInput): Record<string, unknown> {
  const base = input.hostIdBase;
  const map = base === undefined ? [] : [{ containerID: 0, hostID: base, size: ID_RANGE }];
  return {
    ...(base === undefined ? {} : { uidMappings: map, gidMappings: map }),
    namespaces: [
      { type: 'pid' },
      { type: 'ipc' },
      { type: 'uts' },
      { type: 'mount' },
      { type: 'cgroup' },
      ...(base === undefined ? [] : [{ type: 'user' }]),
      { type: 'network', path: input.netnsPath },
    ],
    cgroupsPath: input.cgroupsPath,
    resources: resources(input.limits),
    ...(input.seccomp ? { seccomp: toOciSeccomp(input.seccomp) } : {}),
    maskedPaths: MASKED_PATHS,
    readonlyPaths: READONLY_PATHS,
  };
}

function resources(limits: OciSpecInput['limits']): Record<string, unknown> {
  const memory = limits.memoryMiB * MiB;
  return {
    // No device nodes beyond the defaults runc creates (null, zero, full, random, urandom, tty).
    devices: [{ allow: false, access: 'rwm' }],
    memory: { limit: memory, swap: memory },
    cpu: { quota: Math.round((limits.cpuMillis / 1000) * CPU_PERIOD_US), period: CPU_PERIOD_US },
    pids: { limit: limits.pids },
  };
}

/** The runtime resolves the destination inside the rootfs safely (no host path is followed). */
function resolvMount(source: string): Record<string, unknown> {
  return {
    destination: '/etc/resolv.conf',
    type: 'bind',
    source,
    options: ['bind', 'ro', 'nosuid', 'nodev', 'noexec'],
  };
}

const MOUNTS = [
  { destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'nodev'] },
  {
    destination: '/dev',
    type: 'tmpfs',
    source: 'tmpfs',
    options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'],
  },
  {
    destination: '/dev/pts',
    type: 'devpts',
    source: 'devpts',
    options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620'],
  },
  {
    destination: '/dev/shm',
    type: 'tmpfs',
    source: 'shm',
    options: ['nosuid', 'noexec', 'nodev', 'mode=1777', 'size=65536k'],
  },
  {
    destination: '/dev/mqueue',
    type: 'mqueue',
    source: 'mqueue',
    options: ['nosuid', 'noexec', 'nodev'],
  },
  // The network namespace belongs to the host's user namespace, so sysfs cannot be mounted from
  // inside; sandboxes get an empty read-only /sys rather than a view of the host's.
  {
    destination: '/sys',
    type: 'tmpfs',
    source: 'sysfs',
    options: ['nosuid', 'noexec', 'nodev', 'ro', 'size=4k'],
  },
];
