/**
 * Lifecycle timers and sleeping sandboxes survive the daemon's SIGKILL: deadlines live in
 * SQLite, so the restarted daemon finds a sleeping sandbox still asleep (its files on disk, the
 * next call wakes it), puts an idle one to sleep, and destroys one whose ttl passed.
 */
import { mkdtempSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Paddock, PaddockError, getSandbox } from '@paddock/sdk';
import { hostTraces, removeDataDir, startDaemon, type TestDaemon } from './harness.js';

async function becomes(client: Paddock, id: string, want: string): Promise<void> {
  let last = '';
  for (let i = 0; i < 300 && last !== want; i++) {
    last = await client.getSandboxInfo(id).then(
      (s) => s.state,
      (e: unknown) => (PaddockError.is(e) ? e.code : String(e)),
    );
    if (last !== want) await new Promise((r) => setTimeout(r, 200));
  }
  expect(last).toBe(want);
}

describe.each([
  ['jail', '10.234.0.0/16'],
  ['gvisor', '10.235.0.0/16'],
])('lifecycle across a daemon SIGKILL (%s)', (backend, subnet) => {
  // Made when the suite runs, so a filtered run that skips it leaves no directory behind.
  let dataDir = '';
  beforeAll(() => {
    dataDir = mkdtempSync('/tmp/paddock-e2e-');
  });
  const env = { PADDOCK_LIFECYCLE_TICK_MS: '200' };
  let daemon: TestDaemon | undefined;

  afterAll(async () => {
    await daemon?.stop();
    removeDataDir(dataDir);
  });

  it('keeps sleepers asleep, re-arms sleepAfter and ttl from the database', async () => {
    daemon = await startDaemon({ dataDir, subnet, backend, env });
    const before = hostTraces(dataDir);
    let client = new Paddock({ url: daemon.url, apiKey: daemon.apiKey });
    const napper = getSandbox(client, 'napper');
    await napper.writeFile('/workspace/kept.txt', 'slept on disk');
    await napper.sleep();
    await getSandbox(client, 'idle', { sleepAfter: 4 }).exec('true');
    await getSandbox(client, 'doomed', { ttl: 8 }).exec('true');
    const exited = new Promise((r) => daemon?.child.once('exit', r));
    daemon.child.kill('SIGKILL');
    await exited;

    daemon = await startDaemon({ dataDir, subnet, backend, env });
    client = new Paddock({ url: daemon.url, apiKey: daemon.apiKey });
    expect((await client.getSandboxInfo('napper')).state).toBe('sleeping');
    await becomes(client, 'idle', 'sleeping');
    await becomes(client, 'doomed', 'SANDBOX_NOT_FOUND');
    const woken = getSandbox(client, 'napper', { createIfMissing: false });
    expect((await woken.readFile('/workspace/kept.txt')).content).toBe('slept on disk');
    expect((await client.getSandboxInfo('napper')).state).toBe('running');

    await woken.destroy();
    await client.deleteSandbox('idle');
    const after = hostTraces(dataDir);
    for (const k of ['mounts', 'netns', 'links', 'cgroups', 'sandboxDirs'] as const) {
      expect({ kind: k, left: after[k].filter((x) => !before[k].includes(x)) }).toEqual({
        kind: k,
        left: [],
      });
    }
  });
});
