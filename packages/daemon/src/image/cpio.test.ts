import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cpioArchive } from './cpio.js';

describe('cpioArchive', () => {
  it('writes the newc header byte for byte', () => {
    const out = cpioArchive([
      { path: '/init', type: 'file', mode: 0o755, data: Buffer.from('hi') },
    ]);
    const header =
      '070701' +
      ['00000001', '000081ed', '00000000', '00000000', '00000001', '00000000', '00000002']
        .concat(['00000000', '00000000', '00000000', '00000000', '00000005', '00000000'])
        .join('');
    expect(out.subarray(0, 110).toString('ascii')).toBe(header);
    // name "init\0" (5 bytes) pads 115 to 116; the body "hi" pads to 4.
    expect(out.subarray(110, 116)).toEqual(Buffer.from('init\0\0'));
    expect(out.subarray(116, 120)).toEqual(Buffer.from('hi\0\0'));
    expect(out.subarray(120, 126).toString()).toBe('070701');
    expect(out.length % 4).toBe(0);
  });

  it('is read back by cpio(1): files, directories, symlinks and device nodes', () => {
    const archive = cpioArchive([
      { path: 'bin', type: 'dir', mode: 0o755 },
      { path: 'bin/hello', type: 'file', mode: 0o750, data: Buffer.from('hello\n') },
      { path: 'bin/sh', type: 'symlink', target: 'hello' },
      { path: 'dev', type: 'dir', mode: 0o755 },
      { path: 'dev/console', type: 'chardev', mode: 0o600, major: 5, minor: 1 },
    ]);
    const listing = execFileSync('cpio', ['-itv', '--quiet'], { input: archive, encoding: 'utf8' });
    expect(listing).toMatch(/^drwxr-xr-x .* bin$/m);
    expect(listing).toMatch(/^-rwxr-x--- .* 6 .* bin\/hello$/m);
    expect(listing).toMatch(/^lrwxrwxrwx .* bin\/sh -> hello$/m);
    expect(listing).toMatch(/^crw------- .* 5,\s+1 .* dev\/console$/m);
    const dir = mkdtempSync(join(tmpdir(), 'cpio-test-'));
    try {
      writeFileSync(join(dir, 'a.cpio'), archive);
      execFileSync('cpio', ['-id', '--quiet', '--no-absolute-filenames', '-F', 'a.cpio'], {
        cwd: dir,
        // Device nodes need root to extract; the listing above checked them.
        input: '',
        stdio: ['ignore', 'ignore', 'ignore'],
      });
      expect(readFileSync(join(dir, 'bin/hello'), 'utf8')).toBe('hello\n');
      expect(statSync(join(dir, 'bin/hello')).mode & 0o777).toBe(0o750);
      expect(readlinkSync(join(dir, 'bin/sh'))).toBe('hello');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses paths that climb out of the archive', () => {
    expect(() => cpioArchive([{ path: '../x', type: 'dir', mode: 0o755 }])).toThrow(
      /bad cpio path/,
    );
  });
});
