/** ext4 images made from a directory tree (mkfs.ext4 -d): the microVM's read-only disks. */
import { lstat, opendir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { run } from './run.js';

const MiB = 1024 * 1024;

/** Bytes and inodes a tree needs (apparent sizes, rounded up to 4 KiB blocks). */
export async function treeUsage(root: string): Promise<{ bytes: number; inodes: number }> {
  let bytes = 0;
  let inodes = 0;
  const pending = [root];
  while (pending.length > 0) {
    const dir = pending.pop() as string;
    for await (const entry of await opendir(dir)) {
      const path = join(dir, entry.name);
      inodes++;
      if (entry.isDirectory()) pending.push(path);
      bytes += Math.ceil((await lstat(path)).size / 4096) * 4096 + 4096;
    }
  }
  return { bytes, inodes };
}

/**
 * A read-only ext4 image of `dir` at `file` (written beside it and renamed into place), with
 * owners and modes as in the tree. No journal: nothing ever writes to it.
 */
export async function ext4FromDir(dir: string, file: string, label: string): Promise<void> {
  const usage = await treeUsage(dir);
  const sizeMiB = Math.ceil((usage.bytes * 1.15) / MiB) + 16;
  const tmp = `${file}.tmp`;
  await rm(tmp, { force: true });
  try {
    await run(
      'mkfs.ext4',
      [
        '-q',
        '-F',
        '-L',
        label,
        '-m',
        '0',
        '-O',
        '^has_journal',
        '-N',
        String(usage.inodes + 1024),
      ].concat(['-d', dir, tmp, `${sizeMiB}M`]),
      { timeoutMs: 300_000 },
    );
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}
