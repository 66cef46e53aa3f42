/**
 * A newc ("070701") cpio writer: what the kernel unpacks as an initramfs. Written here rather than
 * with cpio(1) so the archive's owners and device nodes need no root and no files on disk.
 */

export type CpioEntry =
  | { path: string; type: 'dir'; mode: number }
  | { path: string; type: 'file'; mode: number; data: Buffer }
  | { path: string; type: 'symlink'; target: string }
  | { path: string; type: 'chardev'; mode: number; major: number; minor: number };

const TYPE_BITS = { dir: 0o040000, file: 0o100000, symlink: 0o120000, chardev: 0o020000 };
const TRAILER = 'TRAILER!!!';

/** The archive for `entries`, in order (parents before children), every entry owned by 0:0. */
export function cpioArchive(entries: readonly CpioEntry[]): Buffer {
  const parts: Buffer[] = [];
  let ino = 1;
  for (const e of entries) parts.push(...record(e, ino++));
  parts.push(...record({ path: TRAILER, type: 'file', mode: 0, data: Buffer.alloc(0) }, 0));
  return Buffer.concat(parts);
}

function record(e: CpioEntry, ino: number): Buffer[] {
  const path = e.path.replace(/^\/+/, '');
  if (path === '' || path.split('/').includes('..')) throw new Error(`bad cpio path '${e.path}'`);
  const data = body(e);
  const mode = TYPE_BITS[e.type] | (e.type === 'symlink' ? 0o777 : e.mode & 0o7777);
  const rdev = e.type === 'chardev' ? [e.major, e.minor] : [0, 0];
  const name = Buffer.from(`${path}\0`);
  const fields = [ino, mode, 0, 0, e.type === 'dir' ? 2 : 1, 0, data.length, 0, 0, ...rdev];
  const header = `070701${fields.map(hex8).join('')}${hex8(name.length)}${hex8(0)}`;
  return [Buffer.from(header, 'ascii'), name, pad(110 + name.length), data, pad(data.length)];
}

function body(e: CpioEntry): Buffer {
  if (e.type === 'file') return e.data;
  if (e.type === 'symlink') return Buffer.from(e.target);
  return Buffer.alloc(0);
}

function hex8(n: number): string {
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new Error(`cpio field ${n}`);
  return n.toString(16).padStart(8, '0');
}

/** newc aligns each header+name and each body to 4 bytes. */
function pad(length: number): Buffer {
  return Buffer.alloc((4 - (length % 4)) % 4);
}
