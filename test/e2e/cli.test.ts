/** The CLI against a real daemon and real jails: README's first steps. */
import { execFile } from 'node:child_process';
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

  it("passes the command's exit code through and reports errors with their code", async () => {
    await paddock('create', 'codes');
    expect((await paddock('exec', 'codes', '--', 'exit 3')).code).toBe(3);
    const missing = await paddock('exec', 'ghost', '--', 'true');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/SANDBOX_NOT_FOUND/);
    await paddock('rm', 'codes');
  });
});
