/** Kernel modules as Debian ships them: plain .ko, or compressed with xz or zstd. */
import { readFile } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';
import { run } from './run.js';

export async function decompressModule(file: string): Promise<Buffer> {
  if (file.endsWith('.ko')) return readFile(file);
  if (file.endsWith('.gz')) return gunzipSync(await readFile(file));
  const tool = file.endsWith('.xz') ? 'xz' : file.endsWith('.zst') ? 'zstd' : undefined;
  if (!tool) throw new Error(`unknown module compression: ${file}`);
  // latin1 keeps every byte of the binary output as one char.
  const out = await run(tool, ['-dc', file], { encoding: 'latin1' });
  return Buffer.from(out, 'latin1');
}
