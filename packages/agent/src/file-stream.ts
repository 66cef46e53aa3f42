/**
 * Raw file transfer without a size cap (the disk quota is the cap): POST /files/stream/write
 * streams the request body into the file, GET /files/stream/read streams the file out. The path comes in
 * the query string (`?path=`). Writes are atomic like writeFile: temp file, then rename.
 */
import { constants } from 'node:fs';
import { open, rename, unlink, type FileHandle } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { dirname } from 'node:path';
import { pipeline } from 'node:stream/promises';
import {
  PaddockError,
  parse,
  pathSchema,
  type WriteFileResult,
  validOrThrow,
} from '@paddock/protocol';
import { fsError } from './fs-errors.js';
import { followLinks, keepAttributes, makeParents, statOrUndefined, tempNameFor } from './files.js';
import { resolveInWorkspace } from './paths.js';

const ignore = (): void => {};

/** The `path` query parameter, validated like every other path. */
export function queryPath(req: IncomingMessage): string {
  const raw = new URL(req.url ?? '/', 'http://agent').searchParams.get('path');
  return validOrThrow(parse(pathSchema, raw, 'query.path'));
}

export async function writeFromStream(
  req: IncomingMessage,
  workspaceDir: string,
): Promise<WriteFileResult> {
  const path = resolveInWorkspace(workspaceDir, queryPath(req));
  let temp: string | undefined;
  let fh: FileHandle | undefined;
  try {
    const target = await followLinks(path);
    await makeParents(dirname(target), path);
    const old = await statOrUndefined(target);
    if (old?.isDirectory()) throw Object.assign(new Error('EISDIR'), { code: 'EISDIR' });
    if (old && !old.isFile())
      throw new PaddockError('FILESYSTEM_ERROR', `cannot write ${path}: not a regular file`);
    temp = tempNameFor(target);
    fh = await open(temp, 'wx', 0o666);
    if (old) await keepAttributes(fh, old);
    // The stream owns the handle from here and closes it (a FileHandle with a live stream
    // would wait for that stream on close()).
    const out = fh.createWriteStream();
    fh = undefined;
    await pipeline(req, out);
    await rename(temp, target);
    return { path, bytes: out.bytesWritten };
  } catch (err) {
    await fh?.close().catch(ignore);
    if (temp) await unlink(temp).catch(ignore);
    throw fsError(err, path, 'write');
  }
}

export async function readToStream(
  req: IncomingMessage,
  res: ServerResponse,
  workspaceDir: string,
): Promise<void> {
  const path = resolveInWorkspace(workspaceDir, queryPath(req));
  let fh: FileHandle;
  try {
    // O_NONBLOCK: opening a FIFO must not hang the request waiting for a writer.
    fh = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    throw fsError(err, path, 'read');
  }
  try {
    const st = await fh.stat();
    if (st.isDirectory())
      throw fsError(Object.assign(new Error('EISDIR'), { code: 'EISDIR' }), path, 'read');
    const headers: Record<string, string | number> = { 'content-type': 'application/octet-stream' };
    // A regular file is sent at the size it had when opened, so the length header stays true.
    const sized = st.isFile() && st.size > 0;
    if (sized) headers['content-length'] = st.size;
    res.writeHead(200, headers);
    const stream = fh.createReadStream(
      sized ? { autoClose: false, end: st.size - 1 } : { autoClose: false },
    );
    await pipeline(stream, res);
  } finally {
    await fh.close().catch(ignore);
  }
}
