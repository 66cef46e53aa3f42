/**
 * Density on the jail: a hundred sandboxes created at once all come up and answer exec, and
 * destroying them leaves nothing behind. Heavy (about 5 GiB and a few minutes on 2 cores): one
 * test, cleaned up even when it fails.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Paddock, getSandbox } from '@paddock/sdk';
import { NO_TRACES, hostTraces, removeDataDir, startDaemon, type TestDaemon } from './harness.js';

const COUNT = 100;
const ids = Array.from({ length: COUNT }, (_, i) => `dense-${i}`);

/** Runs `fn` over `items`, `width` at a time. */
async function bounded<T>(items: T[], width: number, fn: (t: T) => Promise<void>): Promise<void> {
  const queue = [...items];
  await Promise.all(
    Array.from({ length: width }, async () => {
      for (let t = queue.shift(); t !== undefined; t = queue.shift()) await fn(t);
    }),
  );
}

describe('density: jail', () => {
  let daemon: TestDaemon;
  let client: Paddock;

  beforeAll(async () => {
    // A hundred sandboxes of one tenant: above the default quota (50), so the test raises it.
    daemon = await startDaemon({
      backend: 'jail',
      subnet: '10.232.0.0/16',
      env: { PADDOCK_QUOTA: 'sandboxes=200,memoryMiB=200000,diskMiB=400000' },
    });
    client = new Paddock({ url: daemon.url, apiKey: daemon.apiKey });
  });

  afterAll(async () => {
    if (!daemon) return;
    const left = (await client.listSandboxes()).map((s) => s.id);
    await bounded(left, 8, (id) => getSandbox(client, id).destroy());
    await daemon.stop();
    expect(hostTraces(daemon.dataDir)).toEqual(NO_TRACES);
    removeDataDir(daemon.dataDir);
  });

  it(`creates ${COUNT} sandboxes concurrently and every one answers exec`, async () => {
    const created = await Promise.allSettled(
      ids.map((id) => client.createSandbox({ id, limits: { memoryMiB: 128, diskMiB: 64 } })),
    );
    const failed = created.flatMap((r, i) => (r.status === 'rejected' ? [ids[i]] : []));
    expect(failed).toEqual([]);
    const answers = new Map<string, string>();
    await bounded(ids, 16, async (id) => {
      answers.set(id, (await getSandbox(client, id).exec('hostname')).stdout.trim());
    });
    expect(ids.filter((id) => answers.get(id) !== id)).toEqual([]);
    expect((await client.listSandboxes()).filter((s) => s.state === 'running')).toHaveLength(COUNT);
  }, 900_000);
});
