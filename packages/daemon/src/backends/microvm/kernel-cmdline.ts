/**
 * The guest kernel's command line (pure). The boot path's own parameters and every `paddock.*`
 * parameter are reserved: a caller's extra parameters may add, never override or repeat them
 * (the kernel takes the first of some repeated parameters and the last of others).
 */

export interface KernelParams {
  /** The guest's address and prefix on eth0, and its default gateway (the host end). */
  ip: string;
  prefixLength: number;
  gateway: string;
  hostname: string;
  /** The sandbox's pids limit, applied by stage 2 to a guest cgroup. */
  pids: number;
  /** Every guest process's open-file limit (RLIMIT_NOFILE), set by stage 2. */
  nofile: number;
  /** Extra parameters (name -> value, or true for a bare flag); reserved names are refused. */
  extra?: Readonly<Record<string, string | true>>;
}

/** The boot path's fixed parameters, in order. */
export const BOOT_PARAMS: readonly (readonly [string, string | true])[] = [
  ['console', 'ttyS0'],
  ['rdinit', '/init'],
  // An oops or panic ends the VM: with -no-reboot, QEMU exits and the watchdog reports it.
  ['panic', '-1'],
  ['oops', 'panic'],
  ['quiet', true],
  ['8250.nr_uarts', '1'],
  ['i8042.noaux', true],
  ['i8042.nomux', true],
  ['i8042.dumbkbd', true],
  ['pci', 'lastbus=0'],
  ['random.trust_cpu', 'on'],
];

/** Names no caller may set, beside every `paddock.*`. */
const RESERVED = new Set([
  ...BOOT_PARAMS.map(([name]) => name),
  'root',
  'init',
  'ip',
  'nfsroot',
  'rootfstype',
  'loglevel',
  'earlyprintk',
  'panic_on_warn',
  'reboot',
  'modprobe.blacklist',
  'module_blacklist',
]);

const SAFE_VALUE = /^[A-Za-z0-9._:/,=+@-]+$/;
const SAFE_NAME = /^[A-Za-z0-9_][A-Za-z0-9._-]*$/;

export function kernelCmdline(p: KernelParams): string {
  const own: (readonly [string, string | true])[] = [
    ...BOOT_PARAMS,
    ['paddock.ip', `${p.ip}/${p.prefixLength}`],
    ['paddock.gw', p.gateway],
    ['paddock.hostname', p.hostname],
    ['paddock.pids', String(p.pids)],
    ['paddock.nofile', String(p.nofile)],
  ];
  for (const name of Object.keys(p.extra ?? {})) {
    if (RESERVED.has(name) || name.startsWith('paddock.') || name.startsWith('rd.')) {
      throw new Error(`kernel parameter '${name}' is reserved`);
    }
  }
  return [...own, ...Object.entries(p.extra ?? {})].map(([n, v]) => param(n, v)).join(' ');
}

function param(name: string, value: string | true): string {
  if (!SAFE_NAME.test(name)) throw new Error(`bad kernel parameter name '${name}'`);
  if (value === true) return name;
  if (!SAFE_VALUE.test(value))
    throw new Error(`bad value for kernel parameter ${name}: '${value}'`);
  return `${name}=${value}`;
}
