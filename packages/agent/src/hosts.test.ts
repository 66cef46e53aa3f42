import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ensureHostsEntry } from './hosts.js';

const dir = mkdtempSync(join(tmpdir(), 'paddock-hosts-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('ensureHostsEntry', () => {
  it('adds the hostname once, keeping what is there', async () => {
    const file = join(dir, 'hosts');
    writeFileSync(file, '127.0.0.1\tlocalhost');
    expect(await ensureHostsEntry(file, 'box-1')).toBe(true);
    expect(await ensureHostsEntry(file, 'box-1')).toBe(false);
    expect(readFileSync(file, 'utf8')).toBe('127.0.0.1\tlocalhost\n127.0.1.1\tbox-1\n');
  });

  it('ignores the name in comments', async () => {
    const file = join(dir, 'hosts2');
    writeFileSync(file, '# 1.2.3.4 box-2\n');
    expect(await ensureHostsEntry(file, 'box-2')).toBe(true);
  });
});
