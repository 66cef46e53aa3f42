import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { locateDaemon } from './daemon.js';

let root: string;

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'paddock-cli-'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

function file(path: string, mode = 0o644): string {
  const full = join(root, path);
  mkdirSync(join(full, '..'), { recursive: true });
  writeFileSync(full, '#!/bin/sh\n');
  chmodSync(full, mode);
  return full;
}

describe('locateDaemon', () => {
  it('prefers PADDOCK_DAEMON_BIN, running a .js file with this node', () => {
    const bin = file('custom/paddockd');
    const js = file('custom/main.js');
    const sibling = file('pkgs/cli/dist/main.js');
    file('pkgs/daemon/dist/main.js');
    expect(locateDaemon({ PADDOCK_DAEMON_BIN: bin }, sibling)).toEqual({
      command: bin,
      prefix: [],
    });
    expect(locateDaemon({ PADDOCK_DAEMON_BIN: js }, sibling)).toEqual({
      command: process.execPath,
      prefix: [js],
    });
  });

  it('fails clearly when PADDOCK_DAEMON_BIN points nowhere', () => {
    expect(() => locateDaemon({ PADDOCK_DAEMON_BIN: join(root, 'nope') }, undefined)).toThrow(
      /PADDOCK_DAEMON_BIN is .*does not exist/,
    );
  });

  it('finds the daemon package beside the CLI, through a bin symlink', () => {
    const cli = file('node_modules/@paddock/cli/dist/main.js');
    const daemon = file('node_modules/@paddock/daemon/dist/main.js');
    mkdirSync(join(root, 'bin'));
    symlinkSync(cli, join(root, 'bin/paddock'));
    expect(locateDaemon({}, join(root, 'bin/paddock'))).toEqual({
      command: process.execPath,
      prefix: [daemon],
    });
  });

  it('falls back to an executable paddockd on PATH, skipping non-executables', () => {
    file('a/paddockd', 0o644);
    const exe = file('b/paddockd', 0o755);
    const PATH = [join(root, 'a'), join(root, 'b')].join(':');
    expect(locateDaemon({ PATH }, file('lonely/cli/dist/main.js'))).toEqual({
      command: exe,
      prefix: [],
    });
  });

  it('returns undefined when there is no daemon anywhere', () => {
    expect(locateDaemon({ PATH: join(root, 'empty') }, undefined)).toBeUndefined();
  });
});
