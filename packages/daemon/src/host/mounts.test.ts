import { describe, expect, it } from 'vitest';
import { mkfsArgs, overlayDiskArgs } from './mounts.js';

describe('disk files (argv pinned)', () => {
  it('formats a sandbox disk with no reserved blocks, its owner and inode count', () => {
    expect(mkfsArgs('/d/disk.img', 1000000, 65536)).toEqual([
      '-q',
      '-F',
      '-m',
      '0',
      '-N',
      '65536',
      '-E',
      'root_owner=1000000:1000000,lazy_itable_init=1,lazy_journal_init=1',
      '/d/disk.img',
    ]);
  });

  it("makes a restored VM's disk a qcow2 file over the snapshot's, not opening it here", () => {
    expect(overlayDiskArgs('/s/vm/data.qcow2', '/img/template', 1024)).toEqual([
      'create',
      '-q',
      '-f',
      'qcow2',
      '-u',
      '-b',
      '/img/template',
      '-F',
      'raw',
      '/s/vm/data.qcow2',
      '1024M',
    ]);
  });
});
