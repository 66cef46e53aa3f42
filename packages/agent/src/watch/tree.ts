/**
 * The directories one watch follows, each with its own fs.watch (Node 18 has no recursive mode
 * on Linux) and what it held when last looked at (name → kind and inode), which is how a change
 * is told apart as create, modify, delete or move.
 */
import { watch, type FSWatcher } from 'node:fs';
import { lstat, readdir } from 'node:fs/promises';
import { MAX_WATCHED_DIRS } from '@paddock/protocol';
import { errnoOf } from '../fs-errors.js';

export interface Entry {
  isDirectory: boolean;
  ino: number;
}

interface Dir {
  watcher: FSWatcher;
  entries: Map<string, Entry>;
}

export interface TreeHooks {
  /** Something changed in `dir`; `name` null means "look at the whole directory". */
  raw(dir: string, name: string | null): void;
  /** A directory could not be watched because the bound was reached. */
  full(): void;
  /** A watcher failed (its directory is usually gone). */
  failed(dir: string): void;
}

let openWatchers = 0;

/** `dir/name`, also when `dir` is the root directory. */
export function childPath(dir: string, name: string): string {
  return dir === '/' ? `/${name}` : `${dir}/${name}`;
}

/** Open fs watchers in this process, for tests that check a closed stream leaves none. */
export function watcherCount(): number {
  return openWatchers;
}

export async function entryOf(path: string): Promise<Entry | undefined> {
  try {
    const st = await lstat(path);
    return { isDirectory: st.isDirectory(), ino: st.ino };
  } catch {
    return undefined;
  }
}

export class DirTree {
  readonly #dirs = new Map<string, Dir>();
  #closed = false;

  constructor(
    private readonly hooks: TreeHooks,
    private readonly limit = MAX_WATCHED_DIRS,
  ) {}

  entries(dir: string): Map<string, Entry> | undefined {
    return this.#dirs.get(dir)?.entries;
  }

  /**
   * Watch `dir` and read what it holds (watcher first, so no change falls in between). Returns
   * the entries, or undefined if it could not be watched.
   */
  async add(dir: string): Promise<Map<string, Entry> | undefined> {
    if (this.#closed || this.#dirs.has(dir)) return this.#dirs.get(dir)?.entries;
    if (this.#dirs.size >= this.limit) return void this.hooks.full();
    const watcher = this.#open(dir);
    if (!watcher) return undefined;
    const entries = new Map<string, Entry>();
    this.#dirs.set(dir, { watcher, entries });
    for (const name of await readdir(dir).catch(() => [])) {
      const e = await entryOf(childPath(dir, name));
      if (e) entries.set(name, e);
    }
    return entries;
  }

  #open(dir: string): FSWatcher | undefined {
    try {
      const w = watch(dir, { persistent: false }, (_t, name) => this.hooks.raw(dir, name));
      openWatchers++;
      w.on('error', () => this.hooks.failed(dir));
      return w;
    } catch (err) {
      // ENOSPC: the kernel's inotify watches are used up, which is the same bound, reached.
      if (errnoOf(err) === 'ENOSPC') this.hooks.full();
      return undefined; // gone already, or not ours to read
    }
  }

  /** Stop following `dir` and everything below it. */
  remove(dir: string): void {
    for (const [path, d] of this.#dirs) {
      if (path === dir || path.startsWith(childPath(dir, ''))) {
        d.watcher.close();
        openWatchers--;
        this.#dirs.delete(path);
      }
    }
  }

  close(): void {
    this.#closed = true;
    for (const d of this.#dirs.values()) {
      d.watcher.close();
      openWatchers--;
    }
    this.#dirs.clear();
  }
}
