/**
 * The daemon survives its own SIGKILL: started again on the same data directory, it finds its
 * sandboxes still running, with what they held, and their agents answer.
 */
import { mkdtempSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Paddock, getSandbox } from '@paddock/sdk';
import { hostTraces, removeDataDir, startDaemon, type TestDaemon } from './harness.js';

describe.each([
  ['jail', '10.218.0.0/16'],
  ['gvisor', '10.219.0.0/16'],
])('daemon restart (%s)', (backend, subnet) => {
  // Made when the suite runs, so a filtered run that skips it leaves no directory behind.
  let dataDir = '';
  beforeAll(() => {
    dataDir = mkdtempSync('/tmp/paddock-e2e-');
  });
  let daemon: TestDaemon | undefined;

  afterAll(async () => {
    await daemon?.stop();
    removeDataDir(dataDir);
  });

  it('finds running sandboxes and their files after a SIGKILL', async () => {
    daemon = await startDaemon({ dataDir, subnet, backend });
    const before = hostTraces(dataDir);
    let client = new Paddock({ url: daemon.url, apiKey: daemon.apiKey });
    await getSandbox(client, 'survivor').writeFile('/workspace/kept.txt', 'acknowledged');
    const exited = new Promise((r) => daemon?.child.once('exit', r));
    daemon.child.kill('SIGKILL');
    await exited;

    daemon = await startDaemon({ dataDir, subnet, backend });
    client = new Paddock({ url: daemon.url, apiKey: daemon.apiKey });
    const info = await client.getSandboxInfo('survivor');
    expect(info.state).toBe('running');
    const sb = getSandbox(client, 'survivor', { createIfMissing: false });
    expect((await sb.readFile('/workspace/kept.txt')).content).toBe('acknowledged');
    expect((await sb.exec('echo still here')).stdout).toBe('still here\n');

    await sb.destroy();
    const after = hostTraces(dataDir);
    for (const k of ['mounts', 'netns', 'links', 'cgroups', 'sandboxDirs'] as const) {
      expect({ kind: k, left: after[k].filter((x) => !before[k].includes(x)) }).toEqual({
        kind: k,
        left: [],
      });
    }
  });
});
