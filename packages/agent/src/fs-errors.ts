import { PaddockError, type ErrorCode } from '@paddock/protocol';

const CODES: Record<string, ErrorCode> = {
  ENOENT: 'FILE_NOT_FOUND',
  EISDIR: 'IS_DIRECTORY',
  ENOTDIR: 'NOT_DIRECTORY',
  EACCES: 'PERMISSION_DENIED',
  EPERM: 'PERMISSION_DENIED',
  EROFS: 'PERMISSION_DENIED',
  ENOSPC: 'NO_SPACE',
  EDQUOT: 'NO_SPACE',
};

const WORDING: Partial<Record<ErrorCode, string>> = {
  FILE_NOT_FOUND: 'no such file or directory',
  IS_DIRECTORY: 'is a directory',
  NOT_DIRECTORY: 'a parent of the path is not a directory',
  PERMISSION_DENIED: 'permission denied',
  NO_SPACE: 'no space left on device',
};

/** The errno of a Node system error, if it is one. */
export function errnoOf(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null || !('code' in err)) return undefined;
  const code = err.code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * Maps a failed filesystem call to the registry's code, with a message naming the path (the
 * caller's own path, so it never reveals more than the caller sent) and the errno.
 */
export function fsError(err: unknown, path: string, action: string): PaddockError {
  if (err instanceof PaddockError) return err;
  const errno = errnoOf(err) ?? 'EUNKNOWN';
  const code = CODES[errno] ?? 'FILESYSTEM_ERROR';
  const what = WORDING[code] ?? `failed (${errno})`;
  return new PaddockError(code, `cannot ${action} ${path}: ${what}`, { path, errno });
}
