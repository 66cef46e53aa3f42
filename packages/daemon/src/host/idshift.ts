/**
 * Shift the owners of a freshly built root filesystem by a fixed offset, so the image reads as
 * owned by the sandbox's root inside the jail's user namespace. Runs on a tree the daemon just
 * built itself, never on a sandbox's files.
 */
import { chmod, lchown, lstat, opendir } from 'node:fs/promises';
import { join } from 'node:path';

export async function shiftOwners(root: string, offset: number): Promise<number> {
  let count = 0;
  const pending = [root];
  while (pending.length > 0) {
    const dir = pending.pop() as string;
    await shiftOne(dir, offset);
    count++;
    for await (const entry of await opendir(dir)) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) pending.push(path);
      else {
        await shiftOne(path, offset);
        count++;
      }
    }
  }
  return count;
}

async function shiftOne(path: string, offset: number): Promise<void> {
  const st = await lstat(path);
  await lchown(path, st.uid + offset, st.gid + offset);
  // chown clears setuid/setgid bits; put them back.
  if (!st.isSymbolicLink() && (st.mode & 0o6000) !== 0) await chmod(path, st.mode & 0o7777);
}
