/** Reading host-side files the daemon itself owns (logs), bounded. */
import { constants } from 'node:fs';
import { open } from 'node:fs/promises';

/** The last `max` bytes of a file, '' when it does not exist. Never follows a symlink. */
export async function readTail(path: string, max: number): Promise<string> {
  let fh;
  try {
    fh = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch {
    return '';
  }
  try {
    const { size } = await fh.stat();
    const length = Math.min(size, max);
    const buf = Buffer.alloc(length);
    await fh.read(buf, 0, length, size - length);
    return buf.toString('utf8');
  } finally {
    await fh.close();
  }
}
