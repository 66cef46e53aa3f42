/**
 * Starting one microVM's QEMU confined in Firecracker-jailer style: in the sandbox's network
 * namespace (nsenter), in a private mount namespace (unshare) whose root is a fresh tmpfs holding
 * only /usr (read-only), the loader cache, a few device nodes, the VM's own directory and its
 * boot files (read-only); chrooted there, as a uid of its own with no capabilities, no
 * supplementary groups (but kvm's, where it needs /dev/kvm) and no_new_privs. QEMU then installs
 * its own seccomp filter (-sandbox on). nsenter, unshare, sh, chroot and setpriv all exec, so the
 * spawned PID ends up being QEMU's.
 */
import { closeSync, openSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { start } from './run.js';

/** Where things appear inside the jail (QEMU's argv uses these). */
export const JAIL = {
  vmDir: '/vm',
  kernel: '/img/kernel',
  initramfs: '/img/initramfs',
  baseDisk: '/img/base',
  paddockDisk: '/img/paddock',
  /** A snapshot's data disk, the read-only backing file of a restored VM's own. */
  templateDisk: '/img/template',
} as const;

// A fixed script; everything variable arrives as positional arguments ($1...), never as code.
const JAIL_SCRIPT = `set -eu
umask 022
root=$1 vmdir=$2 uid=$3 groups=$4 devices=$5 kernel=$6 initramfs=$7 base=$8 paddock=$9
template=\${10}
shift 10
mount -t tmpfs -o mode=0755,size=1m,nosuid tmpfs "$root"
cd "$root"
mkdir usr etc dev dev/net vm img
ln -s usr/bin bin && ln -s usr/sbin sbin && ln -s usr/lib lib && ln -s usr/lib64 lib64
mount -o bind,ro /usr usr
touch etc/ld.so.cache && mount -o bind,ro /etc/ld.so.cache etc/ld.so.cache
for d in $devices; do touch "dev/$d" && mount -o bind "/dev/$d" "dev/$d"; done
mount -o bind "$vmdir" vm
touch img/kernel img/initramfs img/base img/paddock
mount -o bind,ro "$kernel" img/kernel
mount -o bind,ro "$initramfs" img/initramfs
mount -o bind,ro "$base" img/base
mount -o bind,ro "$paddock" img/paddock
if [ -n "$template" ]; then touch img/template && mount -o bind,ro "$template" img/template; fi
exec chroot "$root" /usr/bin/setpriv --reuid="$uid" --regid="$uid" $groups \\
  --inh-caps=-all --bounding-set=-all --no-new-privs -- /usr/bin/qemu-system-x86_64 "$@"
`;

export interface JailedQemu {
  netnsPath: string;
  /** An empty directory: the jail's root is mounted there, in the private mount namespace only. */
  jailRoot: string;
  /** The VM's own directory (data disk, sockets), bound read-write at /vm. */
  vmDir: string;
  kernel: string;
  initramfs: string;
  baseDisk: string;
  paddockDisk: string;
  /** A snapshot's data disk, bound read-only at JAIL.templateDisk; undefined for none. */
  templateDisk: string | undefined;
  uid: number;
  /** Supplementary group for /dev/kvm, or undefined for none. */
  kvmGid: number | undefined;
  /** Device nodes under /dev to bind in (e.g. null, urandom, net/tun, kvm). */
  devices: readonly string[];
  /** QEMU's arguments, with paths as inside the jail (JAIL). */
  args: readonly string[];
  /** QEMU's own stdout and stderr (not the guest's console). */
  logFile: string;
}

/** Start QEMU detached (it outlives a daemon restart); returns its PID. */
export function startJailedQemu(q: JailedQemu): number {
  for (const d of q.devices) {
    if (!/^[a-z0-9/_-]+$/.test(d) || d.includes('..')) throw new Error(`bad device ${d}`);
  }
  const groups = q.kvmGid === undefined ? '--clear-groups' : `--groups=${q.kvmGid}`;
  const positional = [q.jailRoot, q.vmDir, String(q.uid), groups, q.devices.join(' ')];
  positional.push(q.kernel, q.initramfs, q.baseDisk, q.paddockDisk, q.templateDisk ?? '');
  const argv = [`--net=${q.netnsPath}`, '--', 'unshare', '--mount', '--propagation', 'private'];
  argv.push('--', '/bin/sh', '-c', JAIL_SCRIPT, 'paddock-qemu-jail', ...positional, ...q.args);
  const log = openSync(q.logFile, 'a', 0o600);
  try {
    const child = start('nsenter', argv, {
      detached: true,
      stdio: ['ignore', log, log],
      env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' },
    });
    // Reaped by Node while the daemon runs; adopted by init after a restart.
    child.on('error', () => undefined);
    child.unref();
    if (child.pid === undefined) throw new Error('could not start QEMU');
    return child.pid;
  } finally {
    closeSync(log);
  }
}

/** Whether `pid` is a live QEMU started for the VM named `name` (guards against PID reuse). */
export async function isQemuOf(pid: number, name: string): Promise<boolean> {
  const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
  const args = cmdline.split('\0');
  if (!args.some((a) => a.endsWith('qemu-system-x86_64'))) return false;
  const i = args.indexOf('-name');
  if (i < 0 || args[i + 1] !== name) return false;
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  // A zombie is gone for our purposes (its parent has not reaped it yet).
  return !/\) Z /.test(stat);
}

export function killProcess(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
  }
}

/** The gid of the kvm group, if the host has one. */
export async function kvmGroupId(): Promise<number | undefined> {
  const groups = await readFile('/etc/group', 'utf8').catch(() => '');
  const line = groups.split('\n').find((l) => l.startsWith('kvm:'));
  const gid = Number(line?.split(':')[2]);
  return Number.isInteger(gid) ? gid : undefined;
}
