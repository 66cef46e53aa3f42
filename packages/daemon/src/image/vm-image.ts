/**
 * The microVM's boot files, beside the guest image they boot: the kernel and initramfs (keyed by
 * a hash of their inputs), the read-only base disk (made once per image, from the tree before its
 * owners are shifted) and the small paddock disk (agent + stage-2 init, keyed by their hash, so
 * an agent change does not rebuild the base).
 */
import { createHash } from 'node:crypto';
import {
  chmod,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  rename,
  rm,
  stat,
  writeFile,
} from 'node:fs/promises';
import { join } from 'node:path';
import { ext4FromDir } from '../host/ext4.js';
import { GUEST_MODULES, buildInitramfs, stage1Script } from './initramfs.js';
import { stage2Script } from './guest-init.js';

/** Bump when the boot files' build changes in a way their inputs do not show. */
const VM_BUILDER_VERSION = 1;
const KERNEL_FLAVOR = '-cloud-amd64';
export const BUSYBOX = '/bin/busybox';

export interface VmImage {
  kernel: string;
  initramfs: string;
  baseDisk: string;
  paddockDisk: string;
  /** The guest kernel's release (uname -r inside). */
  kernelRelease: string;
}

export function baseDiskPath(imageDir: string): string {
  return join(imageDir, 'base.ext4');
}

/** The base disk from the image tree, with its original owners (call before shifting them). */
export async function createBaseDisk(rootfs: string, imageDir: string): Promise<void> {
  await ext4FromDir(rootfs, baseDiskPath(imageDir), 'paddock-base');
  await chmod(baseDiskPath(imageDir), 0o644);
}

export interface VmImageRequest {
  /** The image's own directory (holds rootfs/ and base.ext4). */
  imageDir: string;
  agentBundle: string;
  progress: (line: string) => void;
  /** Where Debian keeps kernels and modules (tests point these elsewhere). */
  bootDir?: string;
  modulesRoot?: string;
}

export async function ensureVmImage(req: VmImageRequest): Promise<VmImage> {
  const baseDisk = baseDiskPath(req.imageDir);
  if (!(await exists(baseDisk))) throw new Error(`${baseDisk} is missing: rebuild the image`);
  const vmDir = join(req.imageDir, 'vm');
  await mkdir(vmDir, { recursive: true });
  // The daemon's umask is 077; QEMU runs as another uid and must read these files.
  await chmod(vmDir, 0o755);
  const release = await newestKernel(req.bootDir ?? '/boot');
  const boot = await ensureBootFiles(req, vmDir, release);
  const paddockDisk = await ensurePaddockDisk(req, vmDir);
  return { ...boot, baseDisk, paddockDisk, kernelRelease: release };
}

/** The highest installed cloud kernel release, e.g. 6.1.0-57-cloud-amd64. */
async function newestKernel(bootDir: string): Promise<string> {
  const releases = (await readdir(bootDir))
    .filter((n) => n.startsWith('vmlinuz-') && n.endsWith(KERNEL_FLAVOR))
    .map((n) => n.slice('vmlinuz-'.length))
    .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  const newest = releases.at(-1);
  if (!newest)
    throw new Error(`no vmlinuz-*${KERNEL_FLAVOR} in ${bootDir}: install linux-image-cloud-amd64`);
  return newest;
}

async function ensureBootFiles(req: VmImageRequest, vmDir: string, release: string) {
  const vmlinuz = await readFile(join(req.bootDir ?? '/boot', `vmlinuz-${release}`));
  const modulesDir = join(req.modulesRoot ?? '/lib/modules', release);
  const hash = sha256(
    vmlinuz,
    await readFile(join(modulesDir, 'modules.dep')),
    await readFile(BUSYBOX),
    stage1Script(),
    GUEST_MODULES.join(','),
    String(VM_BUILDER_VERSION),
  );
  const kernel = join(vmDir, `vmlinuz-${hash}`);
  const initramfs = join(vmDir, `initramfs-${hash}.cpio`);
  if (!(await exists(kernel)) || !(await exists(initramfs))) {
    await writeAtomic(initramfs, await buildInitramfs({ busybox: BUSYBOX, modulesDir }));
    await writeAtomic(kernel, vmlinuz);
    req.progress(`microvm kernel ${release} and initramfs ready`);
  }
  return { kernel, initramfs };
}

async function ensurePaddockDisk(req: VmImageRequest, vmDir: string): Promise<string> {
  const agent = await readFile(req.agentBundle);
  const init = stage2Script();
  const disk = join(vmDir, `paddock-${sha256(agent, init, String(VM_BUILDER_VERSION))}.ext4`);
  if (await exists(disk)) return disk;
  const tree = await mkdtemp(join(vmDir, 'paddock-tree-'));
  try {
    await chmod(tree, 0o755);
    await writeFile(join(tree, 'agent.mjs'), agent);
    await chmod(join(tree, 'agent.mjs'), 0o644);
    await writeFile(join(tree, 'init'), init);
    await chmod(join(tree, 'init'), 0o755);
    await ext4FromDir(tree, disk, 'paddock');
    await chmod(disk, 0o644);
  } finally {
    await rm(tree, { recursive: true, force: true });
  }
  req.progress(`microvm paddock disk ready (agent ${agent.length} bytes)`);
  return disk;
}

async function writeAtomic(file: string, data: Buffer): Promise<void> {
  await writeFile(`${file}.tmp`, data);
  await chmod(`${file}.tmp`, 0o644);
  await rename(`${file}.tmp`, file);
}

function sha256(...parts: (Buffer | string)[]): string {
  const h = createHash('sha256');
  for (const p of parts) h.update(createHash('sha256').update(p).digest());
  return h.digest('hex').slice(0, 16);
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}
