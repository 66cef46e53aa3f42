/**
 * One watch: raw fs.watch notices are collected per path for a short window, then each path is
 * looked at (lstat) and compared with what its directory held, which tells create, modify,
 * delete and move apart. Windows are handled one at a time, in order.
 */
import { readdir } from 'node:fs/promises';
import { relative } from 'node:path';
import {
  MAX_PENDING_WATCH_EVENTS,
  MAX_WATCHED_DIRS,
  WATCH_COALESCE_MS,
  type WatchEvent,
} from '@paddock/protocol';
import { toEvents, type Change } from './changes.js';
import type { PathFilter } from './glob.js';
import { DirTree, childPath, entryOf, type Entry } from './tree.js';

export interface WatchOptions {
  root: string;
  recursive: boolean;
  filter: PathFilter;
  coalesceMs?: number;
  maxPending?: number;
  maxDirs?: number;
}

/** Receives each window's events; an `error` event is the last. */
export type WatchSink = (events: WatchEvent[]) => void;

interface Pending {
  dir: string;
  name: string | null;
}

export class Watch {
  readonly #tree: DirTree;
  #pending = new Map<string, Pending>();
  #timer: NodeJS.Timeout | undefined;
  #ready = false;
  #busy = false;
  #closed = false;
  #dropped = false;
  #full: 'no' | 'yes' | 'told' = 'no';

  constructor(
    private readonly opts: WatchOptions,
    private readonly sink: WatchSink,
  ) {
    this.#tree = new DirTree(
      {
        raw: (dir, name) => this.#raw(dir, name),
        full: () => void (this.#full = this.#full === 'no' ? 'yes' : this.#full),
        failed: (dir) => this.#failed(dir),
      },
      opts.maxDirs ?? MAX_WATCHED_DIRS,
    );
  }

  /** Resolves once every directory is watched; only then are events sent. */
  async start(): Promise<void> {
    await this.#addTree(this.opts.root);
    this.#ready = true;
    this.#schedule();
  }

  close(): void {
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#tree.close();
  }

  #rel(path: string): string {
    return relative(this.opts.root, path);
  }

  /** Watch `dir` and, when recursive, the directories below it; returns what they held. */
  async #addTree(dir: string): Promise<Change[]> {
    const found: Change[] = [];
    const todo = [dir];
    for (let d = todo.pop(); d !== undefined && !this.#closed; d = todo.pop()) {
      for (const [name, e] of (await this.#tree.add(d)) ?? []) {
        const path = childPath(d, name);
        const rel = this.#rel(path);
        if (this.opts.filter.excluded(rel)) continue;
        found.push({ kind: 'create', path, rel, ...e });
        if (e.isDirectory && this.opts.recursive) todo.push(path);
      }
    }
    return found;
  }

  #raw(dir: string, name: string | null): void {
    if (this.#closed) return;
    const key = name === null ? `${dir}\0` : childPath(dir, name);
    if (
      !this.#pending.has(key) &&
      this.#pending.size >= (this.opts.maxPending ?? MAX_PENDING_WATCH_EVENTS)
    ) {
      this.#dropped = true;
      return;
    }
    this.#pending.set(key, { dir, name });
    this.#schedule();
  }

  #failed(dir: string): void {
    this.#tree.remove(dir);
    if (dir === this.opts.root) this.#raw(dir, null); // the next window finds the root gone
  }

  #schedule(): void {
    if (!this.#ready || this.#busy || this.#timer || this.#pending.size === 0) return;
    this.#timer = setTimeout(() => void this.#window(), this.opts.coalesceMs ?? WATCH_COALESCE_MS);
  }

  async #window(): Promise<void> {
    this.#timer = undefined;
    this.#busy = true;
    const batch = [...this.#pending.values()];
    this.#pending = new Map();
    const events = this.#notices();
    const changes: Change[] = [];
    for (const p of await this.#expand(batch)) await this.#classify(p.dir, p.name, changes);
    events.push(...toEvents(changes, this.opts.filter.included));
    if (!(await entryOf(this.opts.root))?.isDirectory) events.push(rootGone(this.opts.root));
    this.#busy = false;
    if (this.#closed) return;
    this.sink(events);
    if (events.some((e) => e.type === 'error')) this.close();
    else this.#schedule();
  }

  #notices(): WatchEvent[] {
    const out: WatchEvent[] = [];
    if (this.#dropped) {
      this.#dropped = false;
      const message = 'changes came faster than they could be told apart; some were dropped';
      out.push({ type: 'overflow', reason: 'events', message });
    }
    if (this.#full === 'yes') {
      this.#full = 'told';
      const message = `more directories than can be watched; some are not followed`;
      out.push({ type: 'overflow', reason: 'directories', message });
    }
    return out;
  }

  /** A notice without a name stands for every entry of its directory, old and new. */
  async #expand(batch: Pending[]): Promise<{ dir: string; name: string }[]> {
    const out: { dir: string; name: string }[] = [];
    for (const { dir, name } of batch) {
      if (name !== null) {
        out.push({ dir, name });
        continue;
      }
      const names = new Set([...(this.#tree.entries(dir)?.keys() ?? [])]);
      for (const n of await readdir(dir).catch(() => [])) names.add(n);
      for (const n of names) out.push({ dir, name: n });
    }
    return out;
  }

  async #classify(dir: string, name: string, out: Change[]): Promise<void> {
    const entries = this.#tree.entries(dir);
    const path = childPath(dir, name);
    const rel = this.#rel(path);
    if (!entries || this.opts.filter.excluded(rel)) return;
    const was = entries.get(name);
    const now = await entryOf(path);
    if (now) entries.set(name, now);
    else entries.delete(name);
    if (was && (!now || now.isDirectory !== was.isDirectory)) {
      if (was.isDirectory) this.#tree.remove(path);
      out.push({ kind: 'delete', path, rel, ...was });
    }
    if (!now) return;
    if (!was || now.isDirectory !== was.isDirectory) out.push(await this.#created(path, rel, now));
    // A file replaced by another (an atomic save) is a modification of that path.
    else out.push({ kind: 'modify', path, rel, ...now });
  }

  async #created(path: string, rel: string, e: Entry): Promise<Change> {
    const change: Change = { kind: 'create', path, rel, ...e };
    if (e.isDirectory && this.opts.recursive) change.children = await this.#addTree(path);
    return change;
  }
}

function rootGone(root: string): WatchEvent {
  const message = `the watched directory ${root} was removed`;
  return { type: 'error', code: 'FILE_NOT_FOUND', message };
}
