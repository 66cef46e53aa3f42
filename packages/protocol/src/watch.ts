/**
 * File watching: a directory's changes as a stream of events. The agent watches each directory
 * itself (Node 18's fs.watch is not recursive on Linux), so the numbers of watched directories
 * and of events waiting to be sent are bounded; past either bound an `overflow` event says what
 * was missed, and the stream goes on.
 */
import { pathSchema } from './api.js';
import { ERROR_CODES } from './errors.js';
import { array, boolean, literal, object, optional, string, tagged, type Infer } from './schema.js';

/** Directories one watch follows at most; deeper or later ones are not watched. */
export const MAX_WATCHED_DIRS = 4096;

/** Distinct paths with changes waiting in one coalescing window; later ones are dropped. */
export const MAX_PENDING_WATCH_EVENTS = 1000;

/** Changes within this many milliseconds are coalesced into one event per path. */
export const WATCH_COALESCE_MS = 75;

/** Excluded when the request names no `exclude` (also with `include`). */
export const DEFAULT_WATCH_EXCLUDES = ['.git', 'node_modules', '.DS_Store'] as const;

const globSchema = string({
  minLength: 1,
  maxLength: 1024,
  description: '`*` (within a name), `**` (across `/`), `?`; without `/` it matches any name.',
});
const globList = array(globSchema, { max: 64 });

export const watchRequestSchema = object({
  path: pathSchema,
  /** Default true: subdirectories too, including ones created later. */
  recursive: optional(boolean()),
  /** Only paths matching one of these; not together with `exclude`. */
  include: optional(globList),
  /** Paths (and directories' subtrees) to leave out; default DEFAULT_WATCH_EXCLUDES. */
  exclude: optional(globList),
});
export type WatchRequest = Infer<typeof watchRequestSchema>;

const absPath = string({ minLength: 1, maxLength: 8192 });
export const watchEventTypeSchema = literal('create', 'modify', 'delete', 'move');
export type WatchEventType = Infer<typeof watchEventTypeSchema>;

/**
 * Events of a watch: `watching` once the watch is established, then `event`s (paths absolute;
 * a `move` within one directory carries `from`), `overflow` notices, and `error`, which ends it.
 */
export const watchEventSchema = tagged('type', {
  watching: object({ type: literal('watching'), path: absPath }),
  event: object({
    type: literal('event'),
    eventType: watchEventTypeSchema,
    path: absPath,
    isDirectory: boolean(),
    from: optional(absPath),
  }),
  overflow: object({
    type: literal('overflow'),
    reason: literal('directories', 'events'),
    message: string({ maxLength: 4096 }),
  }),
  error: object({
    type: literal('error'),
    code: literal(...ERROR_CODES),
    message: string({ maxLength: 4096 }),
  }),
});
export type WatchEvent = Infer<typeof watchEventSchema>;
