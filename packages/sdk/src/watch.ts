/**
 * `sandbox.watch`: a directory's changes in the sandbox, as an async iterable of events that
 * lasts until the consumer stops reading (which closes the stream and every watcher behind it).
 */
import type { WatchEvent, WatchRequest } from '@paddock/protocol';
import { ConnectionError } from './client-errors.js';
import { sandboxPath, type Paddock } from './client.js';
import { parseSSEStream } from './sse.js';

/**
 * Options of `sandbox.watch`.
 *
 * @example
 * const options: WatchOptions = { recursive: true, include: ['*.ts', 'src/**'] };
 */
export interface WatchOptions {
  /** Subdirectories too, including ones created later; default true. */
  recursive?: boolean;
  /** Only paths matching one of these globs (`*`, `**`, `?`); not together with `exclude`. */
  include?: string[];
  /** Globs to leave out, subtrees included; default `.git`, `node_modules`, `.DS_Store`. */
  exclude?: string[];
  /** Aborting ends the watch. */
  signal?: AbortSignal;
}

/** Runs an operation once the sandbox exists (the Sandbox's own create-if-missing). */
type Runner = <T>(op: () => Promise<T>) => Promise<T>;

/**
 * The events of one watch: `watching` first (the watch is established), then `event`s,
 * `overflow` notices, and possibly a final `error`. A bad path throws before any event.
 *
 * @internal
 * @example
 * for await (const ev of watchFiles(client, 'box', 'src', {}, (op) => op())) console.log(ev);
 */
export async function* watchFiles(
  client: Paddock,
  sandboxId: string,
  path: string,
  options: WatchOptions,
  run: Runner,
): AsyncGenerator<WatchEvent> {
  const body: WatchRequest = { path };
  if (options.recursive !== undefined) body.recursive = options.recursive;
  if (options.include) body.include = options.include;
  if (options.exclude) body.exclude = options.exclude;
  const abort = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, abort.signal]) : abort.signal;
  const route = sandboxPath(sandboxId, '/files/watch');
  const stream = await run(() => client.stream(route, { body, signal }));
  let ended = false;
  try {
    for await (const event of parseSSEStream<WatchEvent>(stream)) {
      yield event;
      if (event.type === 'error') {
        ended = true;
        return;
      }
    }
  } finally {
    if (!ended) abort.abort(); // the consumer left early: close the stream and its watchers
  }
  if (options.signal?.aborted) return;
  throw new ConnectionError(client.url, new Error('the watch stream ended early'));
}
