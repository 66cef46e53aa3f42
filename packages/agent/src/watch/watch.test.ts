import { parse, watchEventSchema, type WatchEvent } from '@paddock/protocol';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestAgent, type TestAgent } from '../testing.js';
import { globToRegExp, pathFilter } from './glob.js';
import { watcherCount } from './tree.js';
import { Watch } from './watcher.js';

let agent: TestAgent;
beforeAll(async () => {
  agent = await startTestAgent();
});
afterAll(async () => {
  await agent.close();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
let dirs = 0;

interface Stream {
  events: WatchEvent[];
  /** Waits until an event matches, failing after `ms`. */
  until(test: (e: WatchEvent) => boolean, ms?: number): Promise<WatchEvent>;
  close(): void;
  done: Promise<void>;
}

async function newDir(): Promise<string> {
  const dir = `${agent.workspace}/w${++dirs}`;
  await mkdir(dir);
  return dir;
}

async function watch(body: Record<string, unknown>): Promise<Stream> {
  const abort = new AbortController();
  const res = await fetch(`${agent.url}/files/watch/stream`, {
    method: 'POST',
    headers: { authorization: `Bearer ${agent.token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: abort.signal,
  });
  if (res.status !== 200) throw Object.assign(new Error('refused'), { reply: await res.json() });
  const events: WatchEvent[] = [];
  const done = read(res.body!, events).catch(() => undefined);
  const until = async (test: (e: WatchEvent) => boolean, ms = 3000) => {
    const deadline = Date.now() + ms;
    for (;;) {
      const hit = events.find(test);
      if (hit) return hit;
      if (Date.now() > deadline) throw new Error(`no such event in ${JSON.stringify(events)}`);
      await sleep(20);
    }
  };
  await until((e) => e.type === 'watching');
  return { events, until, close: () => abort.abort(), done };
}

async function read(body: ReadableStream<Uint8Array>, events: WatchEvent[]): Promise<void> {
  const decoder = new TextDecoder();
  let buf = '';
  for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
    buf += decoder.decode(chunk, { stream: true });
    let nl: number;
    while ((nl = buf.indexOf('\n')) !== -1) {
      const r = parse(watchEventSchema, JSON.parse(buf.slice(0, nl)));
      buf = buf.slice(nl + 1);
      if (!r.ok) throw new Error(`bad event: ${r.issue.message}`);
      events.push(r.value);
    }
  }
}

const is =
  (eventType: string, path: string) =>
  (e: WatchEvent): boolean =>
    e.type === 'event' && e.eventType === eventType && e.path === path;

const pathsOf = (s: Stream) => s.events.flatMap((e) => (e.type === 'event' ? [e.path] : []));

describe('watch', () => {
  it('reports create, modify and delete, after `watching`', async () => {
    const dir = await newDir();
    const s = await watch({ path: dir });
    expect(s.events[0]).toEqual({ type: 'watching', path: dir });
    await writeFile(`${dir}/a.txt`, 'one');
    expect(await s.until(is('create', `${dir}/a.txt`))).toMatchObject({ isDirectory: false });
    await sleep(150);
    await writeFile(`${dir}/a.txt`, 'two');
    await s.until(is('modify', `${dir}/a.txt`));
    await rm(`${dir}/a.txt`);
    await s.until(is('delete', `${dir}/a.txt`));
    s.close();
  });

  it('reports a rename as one move, with where it came from', async () => {
    const dir = await newDir();
    await writeFile(`${dir}/old`, 'x');
    const s = await watch({ path: dir });
    await rename(`${dir}/old`, `${dir}/new`);
    const move = await s.until(is('move', `${dir}/new`));
    expect(move).toMatchObject({ from: `${dir}/old`, isDirectory: false });
    await sleep(200);
    expect(s.events.some(is('delete', `${dir}/old`))).toBe(false);
    s.close();
  });

  it('follows new subdirectories when recursive, and only the top when not', async () => {
    const dir = await newDir();
    const deep = await watch({ path: dir });
    const flat = await watch({ path: dir, recursive: false });
    await mkdir(`${dir}/sub/inner`, { recursive: true });
    await writeFile(`${dir}/sub/inner/f.txt`, 'x');
    await deep.until(is('create', `${dir}/sub/inner/f.txt`));
    await sleep(150);
    await writeFile(`${dir}/sub/later.txt`, 'y');
    await deep.until(is('create', `${dir}/sub/later.txt`));
    await flat.until(is('create', `${dir}/sub`));
    await sleep(200);
    expect(pathsOf(flat)).toEqual([`${dir}/sub`]);
    await rm(`${dir}/sub`, { recursive: true });
    await deep.until(is('delete', `${dir}/sub`));
    deep.close();
    flat.close();
  });

  it('applies include and exclude lists, and excludes .git and node_modules by default', async () => {
    const dir = await newDir();
    await mkdir(`${dir}/node_modules`);
    await mkdir(`${dir}/.git`);
    const plain = await watch({ path: dir });
    const inc = await watch({ path: dir, include: ['*.ts'] });
    const exc = await watch({ path: dir, exclude: ['*.log'] });
    for (const f of ['node_modules/x.ts', '.git/HEAD', 'a.log', 'b.ts', 'c.txt']) {
      await writeFile(`${dir}/${f}`, 'x');
    }
    await plain.until(is('create', `${dir}/c.txt`));
    await inc.until(is('create', `${dir}/b.ts`));
    await exc.until(is('create', `${dir}/c.txt`));
    await sleep(200);
    expect(pathsOf(plain).sort()).toEqual([`${dir}/a.log`, `${dir}/b.ts`, `${dir}/c.txt`]);
    expect(pathsOf(inc)).toEqual([`${dir}/b.ts`]);
    // Naming an exclude list replaces the defaults.
    expect(pathsOf(exc)).toContain(`${dir}/node_modules/x.ts`);
    expect(pathsOf(exc)).not.toContain(`${dir}/a.log`);
    for (const s of [plain, inc, exc]) s.close();
  });

  it('refuses a missing path, a file, and include with exclude, before streaming', async () => {
    const missing = await watch({ path: 'no/such/dir' }).catch((e: { reply: unknown }) => e.reply);
    expect(missing).toMatchObject({ code: 'FILE_NOT_FOUND' });
    await writeFile(`${agent.workspace}/plain-file`, 'x');
    const file = await watch({ path: 'plain-file' }).catch((e: { reply: unknown }) => e.reply);
    expect(file).toMatchObject({ code: 'NOT_DIRECTORY' });
    const both = await watch({ path: '.', include: ['a'], exclude: ['b'] }).catch(
      (e: { reply: unknown }) => e.reply,
    );
    expect(both).toMatchObject({ code: 'VALIDATION_FAILED' });
  });

  it('ends with an error when the watched directory is removed', async () => {
    const dir = await newDir();
    const s = await watch({ path: dir });
    await rm(dir, { recursive: true });
    await s.until((e) => e.type === 'error' && e.code === 'FILE_NOT_FOUND');
    await s.done;
  });

  it('removes every watcher when the reader goes away', async () => {
    const dir = await newDir();
    await mkdir(`${dir}/a/b`, { recursive: true });
    const before = watcherCount();
    const s = await watch({ path: dir });
    expect(watcherCount()).toBe(before + 3);
    s.close();
    await s.done;
    const deadline = Date.now() + 2000;
    while (watcherCount() !== before && Date.now() < deadline) await sleep(20);
    expect(watcherCount()).toBe(before);
  });
});

describe('watch bounds', () => {
  it('says so when there are more directories than it may watch', async () => {
    const dir = await newDir();
    await mkdir(`${dir}/a/b/c`, { recursive: true });
    const got: WatchEvent[] = [];
    const filter = pathFilter();
    const w = new Watch({ root: dir, recursive: true, filter, maxDirs: 2 }, (e) => got.push(...e));
    await w.start();
    await writeFile(`${dir}/f`, 'x');
    for (let i = 0; i < 50 && got.length < 2; i++) await sleep(20);
    w.close();
    expect(got[0]).toMatchObject({ type: 'overflow', reason: 'directories' });
    expect(got[1]).toMatchObject({ type: 'event', eventType: 'create', path: `${dir}/f` });
  });
});

describe('watch globs', () => {
  it('matches *, ** and ? as documented', () => {
    expect(globToRegExp('*.ts').test('a.ts')).toBe(true);
    expect(globToRegExp('*.ts').test('d/a.ts')).toBe(false);
    expect(globToRegExp('src/**/*.ts').test('src/a.ts')).toBe(true);
    expect(globToRegExp('src/**/*.ts').test('src/x/y/a.ts')).toBe(true);
    expect(globToRegExp('a?c').test('abc')).toBe(true);
    expect(globToRegExp('a.c').test('abc')).toBe(false);
  });

  it('excludes a directory and everything below it', () => {
    const f = pathFilter(undefined, ['build', 'docs/*.md']);
    expect(f.excluded('build/x/y.js')).toBe(true);
    expect(f.excluded('docs/a.md')).toBe(true);
    expect(f.excluded('src/docs/a.md')).toBe(false);
    expect(f.included('anything')).toBe(true);
  });
});
