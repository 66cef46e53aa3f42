import { mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AGENT_OPS, parse } from '@paddock/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestAgent, type TestAgent } from './testing.js';

let agent: TestAgent;
beforeAll(async () => {
  agent = await startTestAgent();
});
afterAll(async () => {
  await agent.close();
});

const call = (path: string, body: unknown) => agent.call(path, { body });
const ws = (p: string) => join(agent.workspace, p);

describe('file operations', () => {
  it('mkdir creates directories; an existing one is FILE_EXISTS unless recursive', async () => {
    expect((await call('/files/mkdir', { path: 'a/b', recursive: true })).body).toEqual({
      path: ws('a/b'),
    });
    const again = await call('/files/mkdir', { path: 'a/b' });
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('FILE_EXISTS');
    expect((await call('/files/mkdir', { path: 'a/b', recursive: true })).status).toBe(200);
    expect((await call('/files/mkdir', { path: 'x/y' })).body.code).toBe('FILE_NOT_FOUND');
  });

  it('deleteFile removes files and refuses directories', async () => {
    await writeFile(ws('gone.txt'), 'x');
    expect((await call('/files/delete', { path: 'gone.txt' })).status).toBe(200);
    expect((await call('/files/exists', { path: 'gone.txt' })).body.exists).toBe(false);
    expect((await call('/files/delete', { path: 'gone.txt' })).body.code).toBe('FILE_NOT_FOUND');
    await mkdir(ws('dir'), { recursive: true });
    const r = await call('/files/delete', { path: 'dir' });
    expect(r.status).toBe(400);
    expect(r.body.code).toBe('IS_DIRECTORY');
  });

  it('renameFile renames exactly; moveFile moves into an existing directory', async () => {
    await writeFile(ws('one.txt'), '1');
    const ren = await call('/files/rename', { oldPath: 'one.txt', newPath: 'two.txt' });
    expect(ren.body).toEqual({ path: ws('one.txt'), newPath: ws('two.txt') });
    await mkdir(ws('into'), { recursive: true });
    const mv = await call('/files/move', { sourcePath: 'two.txt', destinationPath: 'into' });
    expect(mv.body.newPath).toBe(ws('into/two.txt'));
    expect(await readFile(ws('into/two.txt'), 'utf8')).toBe('1');
    expect((await call('/files/rename', { oldPath: 'nope', newPath: 'x' })).body.code).toBe(
      'FILE_NOT_FOUND',
    );
  });

  it('listFiles lists entries with type, size and mode; hidden and recursive on request', async () => {
    await mkdir(ws('tree/sub'), { recursive: true });
    await writeFile(ws('tree/f.txt'), 'hello', { mode: 0o640 });
    await writeFile(ws('tree/.hidden'), '');
    await writeFile(ws('tree/sub/deep.txt'), 'x');
    await symlink('f.txt', ws('tree/link'));
    const flat = await call('/files/list', { path: 'tree' });
    expect(parse(AGENT_OPS.listFiles.reply, flat.body).ok).toBe(true);
    const byName = Object.fromEntries(flat.body.files.map((f: any) => [f.name, f]));
    expect(Object.keys(byName).sort()).toEqual(['f.txt', 'link', 'sub']);
    expect(byName['f.txt']).toMatchObject({
      type: 'file',
      size: 5,
      mode: '640',
      relativePath: 'f.txt',
    });
    expect(byName['link'].type).toBe('symlink');
    expect(byName['sub'].type).toBe('directory');
    const all = await call('/files/list', { path: 'tree', recursive: true, includeHidden: true });
    expect(all.body.files.map((f: any) => f.relativePath).sort()).toEqual([
      '.hidden',
      'f.txt',
      'link',
      'sub',
      'sub/deep.txt',
    ]);
    expect(all.body.count).toBe(5);
    expect((await call('/files/list', { path: 'tree/f.txt' })).body.code).toBe('NOT_DIRECTORY');
  });

  it('exists answers for files, directories and missing paths', async () => {
    await writeFile(ws('here.txt'), '');
    expect((await call('/files/exists', { path: 'here.txt' })).body).toEqual({
      path: ws('here.txt'),
      exists: true,
    });
    expect((await call('/files/exists', { path: '.' })).body.exists).toBe(true);
    expect((await call('/files/exists', { path: 'here.txt/below' })).body.exists).toBe(false);
  });
});
