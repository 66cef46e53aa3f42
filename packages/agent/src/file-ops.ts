/**
 * The file operations besides whole-file read and write: mkdir, delete, rename, move, list and
 * exists. They act on the sandbox's own filesystem, as any program inside it would.
 */
import { cp, lstat, mkdir, opendir, rename, rm, stat, unlink } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { basename, join, relative } from 'node:path';
import {
  MAX_LIST_ENTRIES,
  PaddockError,
  type AgentReply,
  type AgentRequest,
  type FileInfo,
} from '@paddock/protocol';
import { errnoOf, fsError } from './fs-errors.js';
import { resolveInWorkspace } from './paths.js';

export interface FileOpsContext {
  workspaceDir: string;
}

export async function makeDir(
  req: AgentRequest<'mkdir'>,
  ctx: FileOpsContext,
): Promise<AgentReply<'mkdir'>> {
  const path = resolveInWorkspace(ctx.workspaceDir, req.path);
  try {
    await mkdir(path, { recursive: req.recursive === true });
  } catch (err) {
    if (errnoOf(err) === 'EEXIST')
      throw new PaddockError('FILE_EXISTS', `cannot create directory ${req.path}: it exists`);
    throw fsError(err, req.path, 'create directory');
  }
  return { path };
}

export async function deleteFile(
  req: AgentRequest<'deleteFile'>,
  ctx: FileOpsContext,
): Promise<AgentReply<'deleteFile'>> {
  const path = resolveInWorkspace(ctx.workspaceDir, req.path);
  const st = await lstat(path).catch((err: unknown) => {
    throw fsError(err, req.path, 'delete');
  });
  if (st.isDirectory()) {
    throw new PaddockError(
      'IS_DIRECTORY',
      `cannot delete ${req.path}: it is a directory (use exec with rm -r)`,
    );
  }
  await unlink(path).catch((err: unknown) => {
    throw fsError(err, req.path, 'delete');
  });
  return { path };
}

export async function renameFile(
  req: AgentRequest<'renameFile'>,
  ctx: FileOpsContext,
): Promise<AgentReply<'renameFile'>> {
  const from = resolveInWorkspace(ctx.workspaceDir, req.oldPath);
  const to = resolveInWorkspace(ctx.workspaceDir, req.newPath);
  await moveOrCopy(from, to, req.oldPath);
  return { path: from, newPath: to };
}

/** mv semantics: into an existing directory, the source keeps its name. */
export async function moveFile(
  req: AgentRequest<'moveFile'>,
  ctx: FileOpsContext,
): Promise<AgentReply<'moveFile'>> {
  const from = resolveInWorkspace(ctx.workspaceDir, req.sourcePath);
  let to = resolveInWorkspace(ctx.workspaceDir, req.destinationPath);
  const target = await stat(to).catch(() => undefined);
  if (target?.isDirectory()) to = join(to, basename(from));
  await moveOrCopy(from, to, req.sourcePath);
  return { path: from, newPath: to };
}

/** rename(2), falling back to copy-then-remove where the layers differ (overlay gives EXDEV). */
async function moveOrCopy(from: string, to: string, shown: string): Promise<void> {
  try {
    await rename(from, to);
  } catch (err) {
    if (errnoOf(err) !== 'EXDEV') throw fsError(err, shown, 'move');
    try {
      await cp(from, to, { recursive: true, preserveTimestamps: true, verbatimSymlinks: true });
      await rm(from, { recursive: true, force: true });
    } catch (copyErr) {
      throw fsError(copyErr, shown, 'move');
    }
  }
}

export async function exists(
  req: AgentRequest<'exists'>,
  ctx: FileOpsContext,
): Promise<AgentReply<'exists'>> {
  const path = resolveInWorkspace(ctx.workspaceDir, req.path);
  try {
    await stat(path);
    return { path, exists: true };
  } catch (err) {
    const errno = errnoOf(err);
    if (errno === 'ENOENT' || errno === 'ENOTDIR') return { path, exists: false };
    throw fsError(err, req.path, 'check');
  }
}

export async function listFiles(
  req: AgentRequest<'listFiles'>,
  ctx: FileOpsContext,
): Promise<AgentReply<'listFiles'>> {
  const root = resolveInWorkspace(ctx.workspaceDir, req.path);
  const st = await stat(root).catch((err: unknown) => {
    throw fsError(err, req.path, 'list');
  });
  if (!st.isDirectory())
    throw new PaddockError('NOT_DIRECTORY', `cannot list ${req.path}: not a directory`);
  const files: FileInfo[] = [];
  const truncated = await walk(root, root, files, req);
  return { path: root, files, count: files.length, ...(truncated ? { truncated } : {}) };
}

/** Breadth-first without following symlinks; returns true when the entry cap cut it short. */
async function walk(
  root: string,
  dir: string,
  out: FileInfo[],
  req: AgentRequest<'listFiles'>,
): Promise<boolean> {
  const queue = [dir];
  while (queue.length > 0) {
    const current = queue.shift() as string;
    const handle = await opendir(current).catch((err: unknown) => {
      throw fsError(err, req.path, 'list');
    });
    for await (const entry of handle) {
      if (!req.includeHidden && entry.name.startsWith('.')) continue;
      if (out.length >= MAX_LIST_ENTRIES) return true;
      const path = join(current, entry.name);
      const info = await infoOf(root, path).catch(() => undefined);
      if (!info) continue; // vanished while listing
      out.push(info);
      if (req.recursive && info.type === 'directory') queue.push(path);
    }
  }
  return false;
}

async function infoOf(root: string, path: string): Promise<FileInfo> {
  const st = await lstat(path);
  return {
    name: basename(path),
    path,
    relativePath: relative(root, path),
    type: typeOf(st),
    size: st.size,
    mode: (st.mode & 0o7777).toString(8).padStart(3, '0'),
    modifiedAt: st.mtime.toISOString(),
  };
}

function typeOf(st: Stats): FileInfo['type'] {
  if (st.isFile()) return 'file';
  if (st.isDirectory()) return 'directory';
  if (st.isSymbolicLink()) return 'symlink';
  return 'other';
}
