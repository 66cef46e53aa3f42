/**
 * Turning one coalescing window's changes into events: a delete and a create of the same inode
 * become one `move` (a rename, within or across directories of the watch), and only paths the
 * include list admits are reported.
 */
import type { WatchEvent, WatchEventType } from '@paddock/protocol';

export interface Change {
  kind: 'create' | 'modify' | 'delete';
  path: string;
  rel: string;
  isDirectory: boolean;
  ino: number;
  /** Creates for what a new directory already held; dropped when it was moved in instead. */
  children?: Change[];
}

type FileEvent = Extract<WatchEvent, { type: 'event' }>;

const event = (eventType: WatchEventType, c: Change): FileEvent => ({
  type: 'event',
  eventType,
  path: c.path,
  isDirectory: c.isDirectory,
});

/** Each create whose inode was deleted in the same window, with that delete. */
function pairMoves(changes: Change[]): Map<Change, Change> {
  const deletes = new Map<number, Change>();
  for (const c of changes) if (c.kind === 'delete' && !deletes.has(c.ino)) deletes.set(c.ino, c);
  const pairs = new Map<Change, Change>();
  for (const c of changes) {
    const from = c.kind === 'create' ? deletes.get(c.ino) : undefined;
    if (from && from.isDirectory === c.isDirectory) {
      pairs.set(c, from);
      deletes.delete(c.ino);
    }
  }
  return pairs;
}

export function toEvents(changes: Change[], included: (rel: string) => boolean): FileEvent[] {
  const pairs = pairMoves(changes);
  const moved = new Set(pairs.values());
  const out: FileEvent[] = [];
  for (const c of changes) {
    const from = pairs.get(c);
    if (from) {
      if (included(c.rel) || included(from.rel)) out.push({ ...event('move', c), from: from.path });
      continue;
    }
    if (moved.has(c)) continue;
    if (included(c.rel)) out.push(event(c.kind, c));
    for (const child of c.children ?? []) if (included(child.rel)) out.push(event('create', child));
  }
  return out;
}
