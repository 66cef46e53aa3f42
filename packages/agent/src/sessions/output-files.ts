/** Reading a session command's output files: at most `limit` bytes each, then removed. */
import { open, rm } from 'node:fs/promises';
import { CappedOutput } from '../output.js';

const CHUNK = 1024 * 1024;

/** The first `limit` bytes (and whether there were more); a missing file reads as empty. */
export async function readCapped(path: string, limit: number): Promise<CappedOutput> {
  const out = new CappedOutput(limit);
  const handle = await open(path, 'r').catch(() => undefined);
  if (!handle) return out;
  try {
    const buf = Buffer.alloc(Math.min(CHUNK, limit + 1));
    let total = 0;
    // One byte past the limit is enough to know the output was cut.
    while (total <= limit) {
      const { bytesRead } = await handle.read(buf, 0, buf.length, total);
      if (bytesRead === 0) break;
      out.push(Buffer.from(buf.subarray(0, bytesRead)));
      total += bytesRead;
    }
  } finally {
    await handle.close();
  }
  return out;
}

/** Removes files; a background job may still hold one open (its space returns when it exits). */
export async function removeAll(paths: readonly string[]): Promise<void> {
  await Promise.all(paths.map((p) => rm(p, { force: true }).catch(() => undefined)));
}
