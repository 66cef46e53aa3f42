/**
 * Per-sandbox storage: a size-limited ext4 file (the disk quota), loop-mounted, holding the
 * overlay's upper and work directories over the read-only image.
 */
import { mkdir, open, readFile } from 'node:fs/promises';
import { run, tryRun } from './run.js';

const MiB = 1024 * 1024;

/**
 * A sparse file formatted as ext4 whose root directory belongs to the sandbox's root, with
 * `inodes` inodes (the sandbox's file-count limit) when given.
 */
export async function createDiskFile(
  file: string,
  sizeMiB: number,
  ownerId: number,
  inodes?: number,
): Promise<void> {
  const fh = await open(file, 'wx', 0o600);
  try {
    await fh.truncate(sizeMiB * MiB);
  } finally {
    await fh.close();
  }
  // -m 0: no blocks reserved for root, the quota is the quota; lazy init keeps creation fast.
  await run('mkfs.ext4', mkfsArgs(file, ownerId, inodes));
}

/**
 * A restored microVM's disk: a qcow2 file of `sizeMiB` whose reads fall through to the snapshot's
 * disk (`backing`, as QEMU sees it in its jail, hence -u: not opened here) until written.
 */
export async function createOverlayDisk(
  file: string,
  backing: string,
  sizeMiB: number,
): Promise<void> {
  await run('qemu-img', overlayDiskArgs(file, backing, sizeMiB));
}

/** qemu-img's argv for that overlay (pure; pinned by a test). */
export function overlayDiskArgs(file: string, backing: string, sizeMiB: number): string[] {
  return ['create', '-q', '-f', 'qcow2', '-u', '-b', backing, '-F', 'raw', file, `${sizeMiB}M`];
}

/** mkfs.ext4's argv for a sandbox disk (pure; pinned by a test). */
export function mkfsArgs(file: string, ownerId: number, inodes: number | undefined): string[] {
  return [
    '-q',
    '-F',
    '-m',
    '0',
    ...(inodes === undefined ? [] : ['-N', String(inodes)]),
    '-E',
    `root_owner=${ownerId}:${ownerId},lazy_itable_init=1,lazy_journal_init=1`,
    file,
  ];
}

export async function mountLoop(file: string, target: string): Promise<void> {
  await mkdir(target, { recursive: true });
  await run('mount', ['-o', 'loop,nodev,nosuid,noatime', file, target]);
}

export async function mountOverlay(
  lower: string,
  upper: string,
  work: string,
  target: string,
): Promise<void> {
  for (const p of [lower, upper, work]) {
    if (/[,:]/.test(p)) throw new Error(`overlay path may not contain ',' or ':': ${p}`);
  }
  await mkdir(target, { recursive: true });
  const opts = `lowerdir=${lower},upperdir=${upper},workdir=${work}`;
  await run('mount', ['-t', 'overlay', 'overlay', '-o', opts, target]);
}

/** Unmount if mounted; idempotent. */
export async function unmount(target: string): Promise<void> {
  if (!(await isMounted(target))) return;
  const err = await tryRun('umount', [target]);
  if (err && (await isMounted(target))) throw err;
}

export async function isMounted(target: string): Promise<boolean> {
  const info = await readFile('/proc/self/mountinfo', 'utf8');
  return info.split('\n').some((line) => line.split(' ')[4] === target);
}

/** Mount points at or below a directory (for leak checks). */
export async function mountsUnder(dir: string): Promise<string[]> {
  const info = await readFile('/proc/self/mountinfo', 'utf8');
  return info
    .split('\n')
    .map((line) => line.split(' ')[4] ?? '')
    .filter((p) => p === dir || p.startsWith(`${dir}/`));
}
