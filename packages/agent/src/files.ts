/**
 * POST /files/write and /files/read: whole-file transfers. Writes are atomic (temp file in the
 * same directory, then rename), so a reader never sees half a file and a failed write changes
 * nothing. Paths are followed like any program in the sandbox would follow them.
 */
import { kernelRandomHex } from './random.js';
import { constants, type Stats } from 'node:fs';
import {
  lstat,
  mkdir,
  open,
  readlink,
  rename,
  stat,
  unlink,
  type FileHandle,
} from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import {
  MAX_JSON_BODY_BYTES,
  PaddockError,
  type ReadFileRequest,
  type ReadFileResult,
  type WriteFileRequest,
  type WriteFileResult,
} from '@paddock/protocol';
import { errnoOf, fsError } from './fs-errors.js';
import { isBinary, mimeTypeOf } from './mime.js';
import { resolveInWorkspace } from './paths.js';

export interface FileOptions {
  workspaceDir: string;
  maxReadFileBytes: number;
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const MAX_SYMLINK_HOPS = 40; // Linux's own limit
const READ_CHUNK_BYTES = 1024 * 1024;
const ENVELOPE_BYTES = 64 * 1024;
const ignore = (): void => {};

/** Strict base64 (standard alphabet, padded, no whitespace): Buffer.from alone accepts junk. */
function decodeContent(content: string, encoding: 'utf-8' | 'base64'): Buffer {
  if (encoding === 'utf-8') return Buffer.from(content, 'utf8');
  if (content.length % 4 !== 0 || !BASE64.test(content)) {
    throw new PaddockError('VALIDATION_FAILED', 'body.content is not valid base64', {
      field: 'body.content',
    });
  }
  return Buffer.from(content, 'base64');
}

/** The path a write lands on: symlinks (even dangling ones) are followed, as open(2) would. */
export async function followLinks(path: string): Promise<string> {
  let current = path;
  for (let hop = 0; hop < MAX_SYMLINK_HOPS; hop++) {
    let st: Stats;
    try {
      st = await lstat(current);
    } catch {
      return current; // missing (or unreachable): the write itself reports why
    }
    if (!st.isSymbolicLink()) return current;
    current = resolve(dirname(current), await readlink(current));
  }
  throw new PaddockError(
    'FILESYSTEM_ERROR',
    `cannot write ${path}: too many levels of symbolic links`,
    {
      path,
      errno: 'ELOOP',
    },
  );
}

export async function statOrUndefined(path: string): Promise<Stats | undefined> {
  try {
    return await stat(path);
  } catch (err) {
    if (errnoOf(err) === 'ENOENT') return undefined;
    throw err;
  }
}

export async function makeParents(dir: string, path: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true });
  } catch (err) {
    // mkdir -p over an existing file says EEXIST; the caller's problem is a file in the way.
    if (errnoOf(err) === 'EEXIST') {
      throw new PaddockError('NOT_DIRECTORY', `cannot write ${path}: a parent is not a directory`, {
        path,
        errno: 'ENOTDIR',
      });
    }
    throw err;
  }
}

/** Keeps owner and mode of a file being replaced (chown first: it clears setuid bits). */
export async function keepAttributes(fh: FileHandle, old: Stats): Promise<void> {
  if (old.uid !== process.getuid?.() || old.gid !== process.getgid?.()) {
    await fh.chown(old.uid, old.gid).catch(ignore); // only root may; best effort otherwise
  }
  await fh.chmod(old.mode & 0o7777);
}

export function tempNameFor(target: string): string {
  const name = basename(target).slice(0, 200); // leave room under NAME_MAX for the suffix
  return join(dirname(target), `.${name}.${kernelRandomHex(6)}.paddock-tmp`);
}

async function writeAtomically(
  target: string,
  data: Buffer,
  old: Stats | undefined,
): Promise<void> {
  const temp = tempNameFor(target);
  let fh: FileHandle | undefined;
  try {
    fh = await open(temp, 'wx', 0o666);
    await fh.writeFile(data);
    if (old) await keepAttributes(fh, old);
    await fh.close();
    fh = undefined;
    await rename(temp, target);
  } catch (err) {
    await fh?.close().catch(ignore);
    await unlink(temp).catch(ignore);
    throw err;
  }
}

export async function writeFile(
  req: WriteFileRequest,
  opts: FileOptions,
): Promise<WriteFileResult> {
  const data = decodeContent(req.content, req.encoding ?? 'utf-8');
  const path = resolveInWorkspace(opts.workspaceDir, req.path);
  try {
    const target = await followLinks(path);
    await makeParents(dirname(target), path);
    const old = await statOrUndefined(target);
    if (old?.isDirectory()) throw Object.assign(new Error('EISDIR'), { code: 'EISDIR' });
    if (old && !old.isFile()) {
      // Replacing a device or FIFO with a regular file would break the sandbox's /dev.
      throw new PaddockError('FILESYSTEM_ERROR', `cannot write ${path}: not a regular file`, {
        path,
      });
    }
    await writeAtomically(target, data, old);
  } catch (err) {
    throw fsError(err, path, 'write');
  }
  return { path, bytes: data.length };
}

/** `size` is exact from fstat, or only "more than limit" for files that do not report it. */
function tooLarge(path: string, size: number | undefined, limit: number): PaddockError {
  const what = size === undefined ? `more than ${limit} bytes` : `${size} bytes`;
  return new PaddockError(
    'FILE_TOO_LARGE',
    `cannot read ${path}: it is ${what}, over the ${limit}-byte limit`,
    size === undefined ? { path, limit } : { path, size, limit },
  );
}

/** Reads to EOF but never past `limit` bytes: /proc files report size 0, /dev/zero never ends. */
async function readCapped(
  fh: FileHandle,
  path: string,
  limit: number,
  hint: number,
): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  for (;;) {
    // A regular file's size is known: read it in one go (+1 byte to notice growth).
    const want = total === 0 && hint > 0 ? hint + 1 : READ_CHUNK_BYTES;
    const chunk = Buffer.allocUnsafe(Math.min(want, limit + 1 - total));
    const { bytesRead } = await fh.read(chunk, 0, chunk.length, null);
    if (bytesRead === 0)
      return chunks.length === 1 && chunks[0] ? chunks[0] : Buffer.concat(chunks, total);
    chunks.push(chunk.subarray(0, bytesRead));
    total += bytesRead;
    if (total > limit) throw tooLarge(path, undefined, limit);
  }
}

/** utf-8 content is JSON-escaped, so a binary file can grow 6x; refuse what the daemon would. */
function checkEncodedSize(path: string, content: string, limit: number): void {
  if (content.length * 6 < MAX_JSON_BODY_BYTES - ENVELOPE_BYTES) return; // cheap common case
  if (Buffer.byteLength(JSON.stringify(content)) > MAX_JSON_BODY_BYTES - ENVELOPE_BYTES) {
    throw new PaddockError(
      'FILE_TOO_LARGE',
      `cannot read ${path} as utf-8: its JSON encoding is over ${MAX_JSON_BODY_BYTES} bytes; read it with encoding 'base64'`,
      { path, limit },
    );
  }
}

export async function readFile(req: ReadFileRequest, opts: FileOptions): Promise<ReadFileResult> {
  const path = resolveInWorkspace(opts.workspaceDir, req.path);
  let fh: FileHandle | undefined;
  try {
    // O_NONBLOCK: opening a FIFO must not hang the request waiting for a writer.
    fh = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
    const st = await fh.stat();
    if (st.isDirectory()) throw Object.assign(new Error('EISDIR'), { code: 'EISDIR' });
    const limit = opts.maxReadFileBytes;
    if (st.size > limit) throw tooLarge(path, st.size, limit);
    const data = await readCapped(fh, path, limit, st.size);
    const binary = isBinary(data);
    // Without an asked encoding, binary content comes as base64 so no byte is lost.
    const encoding = req.encoding ?? (binary ? 'base64' : 'utf-8');
    const content = data.toString(encoding === 'base64' ? 'base64' : 'utf8');
    if (encoding === 'utf-8') checkEncodedSize(path, content, limit);
    const mimeType = mimeTypeOf(path, binary);
    return { path, content, encoding, size: data.length, mimeType, isBinary: binary };
  } catch (err) {
    throw fsError(err, path, 'read');
  } finally {
    await fh?.close().catch(ignore);
  }
}
