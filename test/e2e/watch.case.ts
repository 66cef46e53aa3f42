/**
 * File watching through the SDK, on a real daemon and agent: changes made by commands inside the
 * sandbox arrive as events; filters apply; leaving the stream removes the agent's watchers.
 * Called from the conformance suite, so every backend runs it.
 */
import { describe, expect, it } from 'vitest';
import { PaddockError, type Sandbox, type WatchEvent, type WatchOptions } from '@paddock/sdk';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Reads a watch in the background; `until` waits for a matching event. `stop` aborts: calling
 * `return()` on a generator blocked in a read would wait for the next event, which may never come.
 */
function follow(sb: Sandbox, path: string, options: WatchOptions = {}) {
  const abort = new AbortController();
  const seen: WatchEvent[] = [];
  const done = (async () => {
    for await (const e of sb.watch(path, { ...options, signal: abort.signal })) seen.push(e);
  })().catch(() => undefined);
  const until = async (test: (e: WatchEvent) => boolean, ms = 10_000) => {
    const deadline = Date.now() + ms;
    while (!seen.some(test)) {
      if (Date.now() > deadline) throw new Error(`no such event in ${JSON.stringify(seen)}`);
      await sleep(50);
    }
  };
  const stop = async () => {
    abort.abort();
    await done;
  };
  return { seen, until, stop };
}

const is = (eventType: string, path: string) => (e: WatchEvent) =>
  e.type === 'event' && e.eventType === eventType && e.path === path;

/** inotify watches the sandbox's processes hold, where /proc shows them (else undefined). */
async function inotifyWatches(sb: Sandbox): Promise<number | undefined> {
  const r = await sb.exec("cat /proc/[0-9]*/fdinfo/* 2>/dev/null | grep -c '^inotify wd:'");
  const n = Number(r.stdout.trim());
  return Number.isFinite(n) ? n : undefined;
}

export function describeWatch(ctx: () => { neighbour: Sandbox }): void {
  describe('watch', () => {
    it('watch: files made with exec arrive as create, modify and delete', async () => {
      const sb = ctx().neighbour;
      await sb.exec('rm -rf /tmp/w1 && mkdir -p /tmp/w1');
      const w = follow(sb, '/tmp/w1');
      await w.until((e) => e.type === 'watching');
      expect(w.seen[0]).toEqual({ type: 'watching', path: '/tmp/w1' });
      await sb.exec('echo one > /tmp/w1/a.txt');
      await w.until(is('create', '/tmp/w1/a.txt'));
      await sleep(200);
      await sb.exec('echo two >> /tmp/w1/a.txt');
      await w.until(is('modify', '/tmp/w1/a.txt'));
      await sb.exec('mkdir /tmp/w1/sub && touch /tmp/w1/sub/b');
      await w.until(is('create', '/tmp/w1/sub/b'));
      await sb.exec('mv /tmp/w1/a.txt /tmp/w1/c.txt');
      await w.until(is('move', '/tmp/w1/c.txt'));
      await sb.exec('rm /tmp/w1/c.txt');
      await w.until(is('delete', '/tmp/w1/c.txt'));
      await w.stop();
    });

    it('watch: the include filter keeps only matching paths', async () => {
      const sb = ctx().neighbour;
      await sb.exec('rm -rf /tmp/w2 && mkdir -p /tmp/w2');
      const w = follow(sb, '/tmp/w2', { include: ['*.ts'] });
      await w.until((e) => e.type === 'watching');
      await sb.exec('touch /tmp/w2/a.js /tmp/w2/b.ts /tmp/w2/c.md');
      await w.until(is('create', '/tmp/w2/b.ts'));
      await sleep(300);
      expect(w.seen.filter((e) => e.type === 'event').map((e) => e.path)).toEqual(['/tmp/w2/b.ts']);
      await w.stop();
    });

    it('watch: a missing path is FILE_NOT_FOUND before any event', async () => {
      const err = await ctx()
        .neighbour.watch('/tmp/no-such-dir')
        .next()
        .catch((e: unknown) => e);
      expect(PaddockError.is(err) && err.code).toBe('FILE_NOT_FOUND');
    });

    it('watch: closing the stream removes the watchers', async () => {
      const sb = ctx().neighbour;
      await sb.exec('rm -rf /tmp/w3 && mkdir -p /tmp/w3/a/b');
      const before = await inotifyWatches(sb);
      const w = follow(sb, '/tmp/w3');
      await w.until((e) => e.type === 'watching');
      const during = await inotifyWatches(sb);
      await w.stop();
      // Where /proc lists inotify watches (runc does; some kernels may not), count them.
      if (before !== undefined && during !== undefined && during > before) {
        const deadline = Date.now() + 5000;
        let after = await inotifyWatches(sb);
        while (after !== before && Date.now() < deadline) {
          await sleep(100);
          after = await inotifyWatches(sb);
        }
        expect(after).toBe(before);
      }
      // Either way the agent still serves watches after one was dropped.
      const again = follow(sb, '/tmp/w3');
      await again.until((e) => e.type === 'watching');
      await again.stop();
    });
  });
}
