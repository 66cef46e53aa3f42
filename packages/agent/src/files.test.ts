import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import {
  chmod,
  lstat,
  mkdir,
  readFile,
  readdir,
  readlink,
  stat,
  symlink,
  writeFile,
} from 'node:fs/promises';
import { join } from 'node:path';
import { parse, readFileResultSchema, writeFileResultSchema } from '@paddock/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fsError } from './fs-errors.js';
import { startTestAgent, type TestAgent } from './testing.js';

let agent: TestAgent;

beforeAll(async () => {
  agent = await startTestAgent({ maxReadFileBytes: 4 * 1024 * 1024 });
});
afterAll(async () => {
  await agent.close();
});

const write = (body: unknown) => agent.call('/files/write', { body });
const read = (body: unknown) => agent.call('/files/read', { body });
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const ws = (p: string) => join(agent.workspace, p);

/** Leftover temp files from atomic writes, anywhere under dir. */
async function tempFiles(dir: string): Promise<string[]> {
  const all = await readdir(dir, { recursive: true });
  return all.filter((f) => f.endsWith('.paddock-tmp'));
}

describe('writeFile and readFile round trips', () => {
  it('writes and reads UTF-8 text, resolving relative paths against the workspace', async () => {
    const w = await write({ path: 'hello.txt', content: 'héllo wörld\n' });
    expect(w.status).toBe(200);
    expect(w.body).toEqual({ path: ws('hello.txt'), bytes: 14 });
    expect(parse(writeFileResultSchema, w.body).ok).toBe(true);
    const r = await read({ path: 'hello.txt' });
    expect(r.body).toEqual({
      path: ws('hello.txt'),
      content: 'héllo wörld\n',
      encoding: 'utf-8',
      size: 14,
      mimeType: 'text/plain',
      isBinary: false,
    });
    expect(parse(readFileResultSchema, r.body).ok).toBe(true);
    expect(await readFile(ws('hello.txt'), 'utf8')).toBe('héllo wörld\n');
  });

  it('tells binary from text and gives binary as base64 unless asked otherwise', async () => {
    await writeFile(ws('pic.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 1, 2]));
    const r = await read({ path: 'pic.png' });
    expect(r.body).toMatchObject({
      encoding: 'base64',
      isBinary: true,
      mimeType: 'image/png',
      size: 7,
    });
    expect(Buffer.from(r.body.content, 'base64')).toEqual(
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 1, 2]),
    );
    await writeFile(ws('data.json'), '{"a":1}');
    expect((await read({ path: 'data.json' })).body).toMatchObject({
      mimeType: 'application/json',
      isBinary: false,
      encoding: 'utf-8',
    });
    await writeFile(ws('blob'), Buffer.from([0xff, 0xfe, 0x41]));
    expect((await read({ path: 'blob' })).body).toMatchObject({
      mimeType: 'application/octet-stream',
      isBinary: true,
    });
  });

  it('round-trips 1 MiB of random bytes as base64', async () => {
    const data = randomBytes(1024 * 1024);
    const w = await write({
      path: ws('bin/random.bin'),
      content: data.toString('base64'),
      encoding: 'base64',
    });
    expect(w.body.bytes).toBe(data.length);
    expect(sha256(await readFile(ws('bin/random.bin')))).toBe(sha256(data));
    const r = await read({ path: 'bin/random.bin', encoding: 'base64' });
    expect(r.body.size).toBe(data.length);
    expect(r.body.encoding).toBe('base64');
    expect(sha256(Buffer.from(String(r.body.content), 'base64'))).toBe(sha256(data));
  });

  it('writes an empty file', async () => {
    expect((await write({ path: 'empty', content: '' })).body.bytes).toBe(0);
    expect((await read({ path: 'empty' })).body).toMatchObject({ content: '', size: 0 });
  });

  it('creates missing parent directories', async () => {
    const w = await write({ path: 'a/b/c/d.txt', content: 'deep' });
    expect(w.status).toBe(200);
    expect(await readFile(ws('a/b/c/d.txt'), 'utf8')).toBe('deep');
  });

  it('refuses invalid base64 with VALIDATION_FAILED and writes nothing', async () => {
    for (const content of ['abc', 'ab=c', 'a b=', 'YWJj\n', 'YW-_', 'YQ===']) {
      const r = await write({ path: 'b64.bin', content, encoding: 'base64' });
      expect(r.status).toBe(400);
      expect(r.body.code).toBe('VALIDATION_FAILED');
      expect(r.body.message).toContain('body.content is not valid base64');
    }
    await expect(stat(ws('b64.bin'))).rejects.toThrow();
  });

  it('reads files that report size 0 (procfs)', async () => {
    const r = await read({ path: '/proc/self/status' });
    expect(r.status).toBe(200);
    expect(r.body.size).toBeGreaterThan(0);
    expect(r.body.content).toContain('Pid:');
  });
});

describe('atomic overwrite', () => {
  it('replaces the file by rename, keeping its mode bits', async () => {
    const file = ws('script.sh');
    await writeFile(file, 'old');
    await chmod(file, 0o751);
    const before = await stat(file);
    const w = await write({ path: 'script.sh', content: '#!/bin/sh\necho new\n' });
    expect(w.status).toBe(200);
    const after = await stat(file);
    expect(after.mode & 0o7777).toBe(0o751);
    expect(after.ino).not.toBe(before.ino); // a new inode: written aside, then renamed over
    expect(await readFile(file, 'utf8')).toBe('#!/bin/sh\necho new\n');
    expect(await tempFiles(agent.workspace)).toEqual([]);
  });

  it('follows a symlink and leaves the link in place', async () => {
    await writeFile(ws('real.txt'), 'old');
    await symlink('real.txt', ws('link.txt'));
    await write({ path: 'link.txt', content: 'via link' });
    expect((await lstat(ws('link.txt'))).isSymbolicLink()).toBe(true);
    expect(await readlink(ws('link.txt'))).toBe('real.txt');
    expect(await readFile(ws('real.txt'), 'utf8')).toBe('via link');
    await symlink('made-by-link.txt', ws('dangling'));
    await write({ path: 'dangling', content: 'created' });
    expect(await readFile(ws('made-by-link.txt'), 'utf8')).toBe('created');
  });
});

describe('filesystem errors', () => {
  it('maps ENOENT to 404 FILE_NOT_FOUND naming the path', async () => {
    const r = await read({ path: 'missing.txt' });
    expect(r.status).toBe(404);
    expect(r.body.code).toBe('FILE_NOT_FOUND');
    expect(r.body.message).toContain(ws('missing.txt'));
  });

  it('maps a directory to 400 IS_DIRECTORY for read and write', async () => {
    await mkdir(ws('somedir'), { recursive: true });
    const r = await read({ path: 'somedir' });
    expect(r.status).toBe(400);
    expect(r.body.code).toBe('IS_DIRECTORY');
    const w = await write({ path: 'somedir', content: 'x' });
    expect(w.status).toBe(400);
    expect(w.body.code).toBe('IS_DIRECTORY');
    expect(w.body.message).toContain(ws('somedir'));
  });

  it('maps a file used as a directory to 400 NOT_DIRECTORY', async () => {
    await writeFile(ws('afile'), 'x');
    expect((await read({ path: 'afile/child' })).body.code).toBe('NOT_DIRECTORY');
    const w = await write({ path: 'afile/child', content: 'x' });
    expect(w.status).toBe(400);
    expect(w.body.code).toBe('NOT_DIRECTORY');
    expect((await write({ path: 'afile/deeper/child', content: 'x' })).body.code).toBe(
      'NOT_DIRECTORY',
    );
  });

  it('refuses files over the read limit with 413 FILE_TOO_LARGE', async () => {
    await writeFile(ws('big.bin'), Buffer.alloc(4 * 1024 * 1024 + 1));
    const r = await read({ path: 'big.bin' });
    expect(r.status).toBe(413);
    expect(r.body.code).toBe('FILE_TOO_LARGE');
    expect(r.body.message).toContain(ws('big.bin'));
  });

  it('stops reading an endless file at the limit', async () => {
    const r = await read({ path: '/dev/zero' });
    expect(r.status).toBe(413);
    expect(r.body.code).toBe('FILE_TOO_LARGE');
  });

  it('neither hangs on nor replaces a FIFO', async () => {
    execFileSync('mkfifo', [ws('pipe')]);
    const r = await read({ path: 'pipe' });
    expect(r.status).toBe(200);
    expect(r.body.size).toBe(0);
    const w = await write({ path: 'pipe', content: 'x' });
    expect(w.status).toBe(500);
    expect(w.body.code).toBe('FILESYSTEM_ERROR');
    expect((await lstat(ws('pipe'))).isFIFO()).toBe(true);
  });

  it('refuses a utf-8 read whose JSON escapes would pass the reply limit, not base64', async () => {
    const roomy = await startTestAgent({ workspaceDir: agent.workspace });
    try {
      await writeFile(ws('controls.bin'), Buffer.alloc(12 * 1024 * 1024, 1));
      const r = await roomy.call('/files/read', { body: { path: 'controls.bin' } });
      expect(r.status).toBe(413);
      expect(r.body.code).toBe('FILE_TOO_LARGE');
      expect(r.body.message).toContain('base64');
      const b = await roomy.call('/files/read', {
        body: { path: 'controls.bin', encoding: 'base64' },
      });
      expect(b.body.size).toBe(12 * 1024 * 1024);
    } finally {
      await roomy.close();
    }
  });

  it('maps errno values to registry codes', () => {
    const e = (code: string) => fsError(Object.assign(new Error(code), { code }), '/p', 'read');
    expect(e('EACCES').code).toBe('PERMISSION_DENIED');
    expect(e('EPERM').code).toBe('PERMISSION_DENIED');
    expect(e('ENOSPC').code).toBe('NO_SPACE');
    expect(e('EDQUOT').code).toBe('NO_SPACE');
    expect(e('EIO').code).toBe('FILESYSTEM_ERROR');
    expect(e('EIO').message).toContain('/p');
    expect(e('EIO').message).toContain('EIO');
    expect(e('EACCES').status).toBe(403);
    expect(e('ENOSPC').status).toBe(507);
  });
});

/**
 * Real ENOSPC and a read-only filesystem need a mount, so they run only where the test may mount
 * a tmpfs (root with CAP_SYS_ADMIN); elsewhere they are skipped.
 */
describe('filesystem errors from real mounts', () => {
  const mounts: string[] = [];
  const mount = async (name: string, options: string): Promise<string | undefined> => {
    const dir = ws(name);
    await mkdir(dir, { recursive: true });
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', dir], { stdio: 'ignore' });
    } catch {
      return undefined;
    }
    mounts.push(dir);
    return dir;
  };
  afterAll(() => {
    for (const dir of mounts) execFileSync('umount', [dir]);
  });

  it('maps ENOSPC to 507 NO_SPACE and leaves no temp file', async (ctx) => {
    const dir = await mount('full', 'size=64k');
    if (!dir) return ctx.skip();
    await writeFile(join(dir, 'keep.txt'), 'keep');
    const w = await write({
      path: join(dir, 'keep.txt'),
      content: randomBytes(256 * 1024).toString('base64'),
      encoding: 'base64',
    });
    expect(w.status).toBe(507);
    expect(w.body.code).toBe('NO_SPACE');
    expect(await readdir(dir)).toEqual(['keep.txt']);
    expect(await readFile(join(dir, 'keep.txt'), 'utf8')).toBe('keep');
  });

  it('maps a read-only filesystem to 403 PERMISSION_DENIED', async (ctx) => {
    const dir = await mount('ro', 'ro,size=64k');
    if (!dir) return ctx.skip();
    const w = await write({ path: join(dir, 'x.txt'), content: 'x' });
    expect(w.status).toBe(403);
    expect(w.body.code).toBe('PERMISSION_DENIED');
    expect(w.body.message).toContain(join(dir, 'x.txt'));
  });
});
