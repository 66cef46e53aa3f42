/**
 * The microVM's initramfs: busybox, the few kernel modules Debian's cloud kernel builds as modules
 * (virtio PCI, block, net, console and balloon, overlayfs, fw_cfg), and a stage-1 /init that stacks the sandbox's
 * root (read-only base + the sandbox's data disk as an overlay) and switches to it.
 */
import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { decompressModule } from '../host/decompress.js';
import { cpioArchive, type CpioEntry } from './cpio.js';

/** The modules the boot path needs; their dependencies come from modules.dep. */
export const GUEST_MODULES = [
  'virtio_pci',
  'virtio_blk',
  'virtio_net',
  'overlay',
  'qemu_fw_cfg',
  // The control port of a restore from a snapshot (protocol/vm-control.ts).
  'virtio_console',
  // Free page reporting: pages the guest frees go back to the host (density).
  'virtio_balloon',
];

/** Disks are found by their virtio serial, not their order: the host's argv names them. */
export const DISK_SERIALS = { base: 'base', paddock: 'paddock', data: 'data' } as const;

/** Stage 2, on the paddock disk, bind-mounted at /opt/paddock in the new root. */
export const STAGE2_PATH = '/opt/paddock/init';

/** What a probe boot prints on the console when the guest reached its init. */
export const PROBE_MARKER = 'paddock-probe-ok';

const BUSYBOX_APPLETS = ['sh', 'mount', 'umount', 'insmod', 'mkdir', 'cat', 'usleep', 'grep'];
const BUSYBOX_MORE = ['switch_root', 'echo', 'poweroff', 'sleep'];

/**
 * Module files (relative to /lib/modules/<version>) in load order: each after its dependencies.
 * `modulesDep` is the text of modules.dep; a wanted module it lacks is an error.
 */
export function moduleLoadOrder(modulesDep: string, wanted: readonly string[]): string[] {
  const deps = new Map<string, string[]>();
  for (const line of modulesDep.split('\n')) {
    const [file, rest] = line.split(':');
    if (file && rest !== undefined) deps.set(file, rest.trim().split(/\s+/).filter(Boolean));
  }
  const byName = new Map([...deps.keys()].map((f) => [moduleName(f), f]));
  const order: string[] = [];
  const visit = (file: string) => {
    if (order.includes(file)) return;
    // modules.dep lists every (transitive) dependency, nearest last; load them deepest first.
    for (const dep of [...(deps.get(file) ?? [])].reverse()) visit(dep);
    order.push(file);
  };
  for (const name of wanted) {
    const file = byName.get(name);
    if (!file) throw new Error(`kernel module ${name} not in modules.dep`);
    visit(file);
  }
  return order;
}

/** `kernel/drivers/virtio/virtio_pci.ko.xz` -> `virtio_pci` (modprobe treats - and _ alike). */
export function moduleName(file: string): string {
  return basename(file)
    .replace(/\.ko(\.(xz|zst|gz))?$/, '')
    .replaceAll('-', '_');
}

/** Stage 1 (busybox sh). Any failure ends init, the kernel panics, and QEMU exits (-no-reboot). */
export function stage1Script(): string {
  const s = DISK_SERIALS;
  return `#!/bin/sh
export PATH=/bin
fail() { echo "paddock stage 1: $*"; exit 1; }
mount -t devtmpfs devtmpfs /dev
mount -t proc proc /proc
mount -t sysfs sysfs /sys
# A probe boot (backend selection) only proves the kernel and the accelerator run guests.
if grep -q 'paddock.probe=1' /proc/cmdline; then echo "${PROBE_MARKER}"; poweroff -f; fi
for m in $(cat /lib/modules/order); do insmod "/lib/modules/$m" || fail "insmod $m"; done
disk() {
  for b in /sys/block/vd*; do
    if [ "$(cat "$b/serial" 2>/dev/null)" = "$1" ]; then echo "/dev/\${b##*/}"; return 0; fi
  done
  return 1
}
i=0
until base=$(disk ${s.base}) && pd=$(disk ${s.paddock}) && data=$(disk ${s.data}); do
  i=$((i + 1)); [ $i -lt 1000 ] || fail "disks not found"; usleep 10000
done
mkdir -p /mnt/base /mnt/paddock /mnt/data /newroot
mount -t ext4 -o ro "$base" /mnt/base || fail "base disk"
mount -t ext4 -o ro "$pd" /mnt/paddock || fail "paddock disk"
mount -t ext4 -o rw,noatime,nosuid,nodev "$data" /mnt/data || fail "data disk"
mkdir -p /mnt/data/upper /mnt/data/work
mount -t overlay overlay -o lowerdir=/mnt/base,upperdir=/mnt/data/upper,workdir=/mnt/data/work \\
  /newroot || fail "overlay"
mkdir -p /newroot/opt/paddock
mount -o bind /mnt/paddock /newroot/opt/paddock || fail "bind /opt/paddock"
umount /proc /sys
umount -l /dev
exec switch_root /newroot ${STAGE2_PATH}
`;
}

export interface InitramfsInputs {
  busybox: string;
  modulesDir: string;
}

/** The archive's entries (reads busybox and the module files). */
export async function initramfsEntries(inputs: InitramfsInputs): Promise<CpioEntry[]> {
  const dep = await readFile(join(inputs.modulesDir, 'modules.dep'), 'utf8');
  const files = moduleLoadOrder(dep, GUEST_MODULES);
  const entries: CpioEntry[] = ['bin', 'dev', 'proc', 'sys', 'mnt', 'lib', 'lib/modules'].map(
    (path) => ({ path, type: 'dir', mode: 0o755 }),
  );
  // The kernel opens /dev/console for init before anything is mounted.
  entries.push({ path: 'dev/console', type: 'chardev', mode: 0o600, major: 5, minor: 1 });
  entries.push({ path: 'dev/null', type: 'chardev', mode: 0o666, major: 1, minor: 3 });
  entries.push({
    path: 'bin/busybox',
    type: 'file',
    mode: 0o755,
    data: await readFile(inputs.busybox),
  });
  for (const applet of [...BUSYBOX_APPLETS, ...BUSYBOX_MORE]) {
    entries.push({ path: `bin/${applet}`, type: 'symlink', target: 'busybox' });
  }
  const names: string[] = [];
  for (const file of files) {
    const name = `${moduleName(file)}.ko`;
    names.push(name);
    const data = await decompressModule(join(inputs.modulesDir, file));
    entries.push({ path: `lib/modules/${name}`, type: 'file', mode: 0o644, data });
  }
  const order = Buffer.from(`${names.join('\n')}\n`);
  entries.push({ path: 'lib/modules/order', type: 'file', mode: 0o644, data: order });
  entries.push({ path: 'init', type: 'file', mode: 0o755, data: Buffer.from(stage1Script()) });
  return entries;
}

export async function buildInitramfs(inputs: InitramfsInputs): Promise<Buffer> {
  return cpioArchive(await initramfsEntries(inputs));
}
