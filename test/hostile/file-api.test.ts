/**
 * The file API against a hostile sandbox, on every backend (the microVM too): symlinks pointing out (absolute and
 * relative `..`), `..` in API paths, writes through absolute symlinks, and a symlink-swap race
 * while the API reads and writes in a loop. The file API runs in the sandbox's agent, so every
 * path resolves in the sandbox's own view; a canary file planted on the host proves it: it is
 * never read (its atime, set older than its mtime, would move under relatime), never modified
 * and its content never comes back.
 */
import { mkdtempSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { getSandbox, type Sandbox } from '@paddock/sdk';
import { attack } from './results.js';
import { EVERY_BACKEND, adminOf, codeOf, daemons, type HostileDaemon } from './kit.js';

const SECRET = 'host-secret-canary';

interface Canary {
  dir: string;
  file: string;
  stamp: () => string;
}

function plantCanary(): Canary {
  const dir = mkdtempSync('/tmp/paddock-hostile-files-');
  const file = join(dir, 'canary');
  writeFileSync(file, `${SECRET}\n`);
  // atime well before mtime: any read (relatime) moves it.
  utimesSync(file, new Date('2001-01-01T00:00:00Z'), new Date());
  const stamp = () => {
    const s = statSync(file);
    return `${s.atimeMs} ${s.mtimeMs} ${s.ctimeMs} ${s.size} ${s.ino}`;
  };
  return { dir, file, stamp };
}

describe.each(daemons(EVERY_BACKEND))('file API: $backend', (d: HostileDaemon) => {
  let sb: Sandbox;
  let canary: Canary;
  let stamp: string;

  beforeAll(async () => {
    canary = plantCanary();
    stamp = canary.stamp();
    sb = getSandbox(adminOf(d), 'hostile-files');
    await sb.exec('true');
  });

  afterAll(async () => {
    await sb?.destroy();
    expect(canary.stamp()).toBe(stamp);
    rmSync(canary.dir, { recursive: true, force: true });
  });

  /** The canary untouched on the host, and never in what the API answered. */
  const untouched = (answers: unknown[]) => {
    expect(canary.stamp()).toBe(stamp);
    expect(JSON.stringify(answers)).not.toContain(SECRET);
  };
  const failure = (p: Promise<unknown>) =>
    p.then(
      (v) => v,
      (e: unknown) => codeOf(e),
    );

  attack(d.backend, {
    id: 'H-FILE-01',
    category: 'file-api',
    title: 'read and list through a symlink to an absolute host path',
    run: async () => {
      await sb.exec(
        `ln -sfn ${canary.file} /workspace/abs; ln -sfn ${canary.dir} /workspace/absdir`,
      );
      const answers = [
        await failure(sb.readFile('/workspace/abs')),
        await failure(sb.listFiles('/workspace/absdir')),
        await failure(sb.readFileStream('/workspace/abs')),
      ];
      expect(answers).toEqual(['FILE_NOT_FOUND', 'FILE_NOT_FOUND', 'FILE_NOT_FOUND']);
      untouched(answers);
      return 'FILE_NOT_FOUND (resolved in the sandbox)';
    },
  });

  attack(d.backend, {
    id: 'H-FILE-02',
    category: 'file-api',
    title: 'read through a relative symlink climbing out with ../',
    run: async () => {
      await sb.exec(`ln -sfn ${'../'.repeat(12)}${canary.file.slice(1)} /workspace/rel`);
      const answer = await failure(sb.readFile('/workspace/rel'));
      expect(answer).toBe('FILE_NOT_FOUND');
      untouched([answer]);
      return 'FILE_NOT_FOUND';
    },
  });

  attack(d.backend, {
    id: 'H-FILE-03',
    category: 'file-api',
    title: '`..` traversal in API paths (absolute and relative to /workspace)',
    run: async () => {
      const up = '../'.repeat(12);
      const answers = [
        await failure(sb.readFile(`/workspace/${up}${canary.file.slice(1)}`)),
        await failure(sb.readFile(`${up}${canary.file.slice(1)}`)),
        await failure(sb.exists(`${up}${canary.file.slice(1)}`)),
      ];
      expect(answers.slice(0, 2)).toEqual(['FILE_NOT_FOUND', 'FILE_NOT_FOUND']);
      expect(answers[2]).toMatchObject({ exists: false });
      const root = await sb.listFiles(`/workspace/${up}`);
      expect(root.files.map((f) => f.name)).toContain('workspace');
      untouched(answers);
      return "FILE_NOT_FOUND; '..' stops at the sandbox root";
    },
  });

  attack(d.backend, {
    id: 'H-FILE-04',
    category: 'file-api',
    title: 'write (JSON and streamed uploads) through absolute symlinks to a host path',
    run: async () => {
      await sb.exec(
        `ln -sfn ${canary.file} /workspace/wabs; ln -sfn ${canary.dir} /workspace/wdir`,
      );
      await sb.writeFile('/workspace/wabs', 'pwned-1');
      await sb.writeFile('/workspace/wdir/canary', 'pwned-2');
      await sb.writeFile('/workspace/wdir/new', new TextEncoder().encode('pwned-3'));
      // The raw streamed upload route too.
      const bytes = new TextEncoder().encode('pwned-4');
      const body = new ReadableStream<Uint8Array>({
        start: (c) => {
          c.enqueue(bytes);
          c.close();
        },
      });
      await sb.writeFile('/workspace/wdir/streamed', body);
      const inside = await sb.exec(
        `cat ${canary.file}; echo; cat ${canary.dir}/new; echo; cat ${canary.dir}/streamed`,
      );
      expect(inside.stdout).toBe('pwned-2\npwned-3\npwned-4');
      untouched([]);
      return "landed in the sandbox's own /tmp; host canary unchanged";
    },
  });

  attack(d.backend, {
    id: 'H-FILE-05',
    category: 'file-api',
    title: 'symlink-swap race: a loop swaps a file for host symlinks while the API reads/writes',
    timeout: 90_000,
    run: async () => {
      const swap =
        `mkdir -p /workspace/race; echo inside > /workspace/race/plain; cd /workspace/race; ` +
        `end=$((SECONDS + 20)); while [ $SECONDS -lt $end ]; do ` +
        `ln -sfn ${canary.file} t; ln -sfn plain t; ln -sfn ${canary.dir} t; ` +
        `ln -sfn /proc/1/root${canary.file} t; rm -f t; echo inside > t; done`;
      const proc = await sb.startProcess(swap);
      const answers: unknown[] = [];
      let reads = 0;
      for (let i = 0; i < 60; i++) {
        answers.push(await failure(sb.readFile('/workspace/race/t')));
        answers.push(await failure(sb.writeFile('/workspace/race/t', `w${i}`)));
        answers.push(await failure(sb.listFiles('/workspace/race/t')));
        reads += 3;
      }
      await proc.kill();
      untouched(answers);
      const codes = new Set(answers.filter((a) => typeof a === 'string'));
      // Mid-swap answers are typed file errors (a path that vanished, a loop, a link into /proc).
      for (const c of codes)
        expect(c).toMatch(
          /^(FILE_NOT_FOUND|NOT_DIRECTORY|IS_DIRECTORY|PERMISSION_DENIED|FILESYSTEM_ERROR)$/,
        );
      return `${reads} calls mid-swap (${[...codes].join(', ')}); canary never read or written`;
    },
  });
});
