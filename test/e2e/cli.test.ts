/** The CLI against a real daemon and real jails: README's first steps. */
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, removeDataDir, startDaemon, type TestDaemon } from './harness.js';

const run = promisify(execFile);

describe('paddock CLI', () => {
  let daemon: TestDaemon;
  const paddock = async (...args: string[]) => {
    const env = { ...process.env, PADDOCK_URL: daemon.url, PADDOCK_API_KEY: daemon.apiKey };
    try {
      const r = await run(process.execPath, [CLI, ...args], { env });
      return { code: 0, stdout: r.stdout, stderr: r.stderr };
    } catch (err) {
      const e = err as { code: number; stdout: string; stderr: string };
      return { code: e.code, stdout: e.stdout, stderr: e.stderr };
    }
  };

  beforeAll(async () => {
    daemon = await startDaemon({ subnet: '10.217.0.0/16' });
  });
  afterAll(async () => {
    await paddock('rm', 'demo');
    await daemon?.stop();
    if (daemon) removeDataDir(daemon.dataDir);
  });

  it('creates a sandbox, runs uname in it, lists it and removes it', async () => {
    expect(await paddock('create', 'demo')).toMatchObject({ code: 0, stdout: 'demo\n' });
    const uname = await paddock('exec', 'demo', '--', 'uname', '-a');
    expect(uname.code).toBe(0);
    expect(uname.stdout).toMatch(/^Linux demo /);
    const ls = await paddock('ls');
    expect(ls.stdout).toMatch(/demo\s+running\s+jail\s+namespace/);
    expect(await paddock('rm', 'demo')).toMatchObject({ code: 0 });
    expect((await paddock('ls', '--json')).stdout).not.toContain('"demo"');
  });

  it('copies a file into a sandbox and back out, streamed and intact', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'paddock-cp-'));
    try {
      const data = randomBytes(5 * 1024 * 1024);
      writeFileSync(join(dir, 'in.bin'), data);
      await paddock('create', 'copies');
      expect((await paddock('cp', join(dir, 'in.bin'), 'copies:/workspace/in.bin')).code).toBe(0);
      const inside = await paddock('exec', 'copies', '--', 'sha256sum /workspace/in.bin');
      expect(inside.stdout.split(' ')[0]).toBe(createHash('sha256').update(data).digest('hex'));
      expect((await paddock('cp', 'copies:in.bin', join(dir, 'out.bin'))).code).toBe(0);
      expect(readFileSync(join(dir, 'out.bin')).equals(data)).toBe(true);
      const missing = await paddock('cp', 'copies:/nope', join(dir, 'x'));
      expect(missing).toMatchObject({ code: 1, stderr: expect.stringMatching(/FILE_NOT_FOUND/) });
    } finally {
      await paddock('rm', 'copies');
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("passes the command's exit code through and reports errors with their code", async () => {
    await paddock('create', 'codes');
    expect((await paddock('exec', 'codes', '--', 'exit 3')).code).toBe(3);
    const missing = await paddock('exec', 'ghost', '--', 'true');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/SANDBOX_NOT_FOUND/);
    await paddock('rm', 'codes');
  });
});
