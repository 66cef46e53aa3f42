/**
 * POST /files/watch/stream: a directory's changes as NDJSON lines of WatchEvent, `watching` first
 * (once every directory is watched), until the reader leaves, which removes every watcher. A bad
 * path is an ordinary error reply before the stream starts.
 */
import { stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { PaddockError, watchRequestSchema, type WatchEvent } from '@paddock/protocol';
import { fsError } from '../fs-errors.js';
import { readJson } from '../http.js';
import { resolveInWorkspace } from '../paths.js';
import { pathFilter } from './glob.js';
import { Watch } from './watcher.js';

/** How far (bytes queued in the response) the reader may fall behind before events are dropped. */
export const MAX_BEHIND_BYTES = 1024 * 1024;

interface WatchContext {
  workspaceDir: string;
  maxBodyBytes: number;
}

async function checkDir(path: string, given: string): Promise<void> {
  const st = await stat(path).catch((err: unknown) => {
    throw fsError(err, given, 'watch');
  });
  if (!st.isDirectory()) {
    throw new PaddockError('NOT_DIRECTORY', `cannot watch ${given}: not a directory`, {
      path: given,
    });
  }
}

export async function watchStream(
  ctx: WatchContext,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const r = await readJson(req, watchRequestSchema, ctx.maxBodyBytes);
  const filter = pathFilter(r.include, r.exclude);
  const root = resolveInWorkspace(ctx.workspaceDir, r.path);
  await checkDir(root, r.path);
  let behind = false;
  const write = (e: WatchEvent) => res.write(`${JSON.stringify(e)}\n`);
  const watch = new Watch({ root, recursive: r.recursive ?? true, filter }, (events) => {
    // Never buffer without bound for a slow reader: drop, and say so once it catches up.
    if (res.writableLength > MAX_BEHIND_BYTES) {
      behind = true;
      return;
    }
    if (behind) {
      behind = false;
      write({
        type: 'overflow',
        reason: 'events',
        message: 'the reader fell behind; changes were dropped',
      });
    }
    for (const e of events) write(e);
    if (events.some((e) => e.type === 'error')) res.end();
  });
  const gone = new Promise<void>((resolve) => res.once('close', resolve));
  void gone.then(() => watch.close());
  await watch.start();
  if (res.destroyed) return; // the reader left while the watch was being set up
  res.writeHead(200, { 'content-type': 'application/x-ndjson', 'cache-control': 'no-store' });
  write({ type: 'watching', path: root });
  await gone;
}
