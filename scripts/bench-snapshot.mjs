// Create -> first exec of microVMs restored from a snapshot (core/snapshots.ts), on a daemon of
// its own with snapshots on: it waits for the template of the default size class, then times N
// creates, each of which must say it came from the snapshot.
import { mkdtempSync } from 'node:fs';
import { getSandbox } from '../packages/sdk/dist/index.js';
import { ms, now, row, shutdown, startDaemon } from './bench-lib.mjs';

export async function snapshotRows(n, subnet, base) {
  const dataDir = mkdtempSync('/tmp/paddock-bench-snap-');
  const daemon = await startDaemon(dataDir, subnet, 'none', ['--backend', 'microvm'], {
    PADDOCK_SNAPSHOTS: 'on',
  });
  try {
    await daemon.snapshotReady();
    const times = [];
    for (let i = 0; i < n; i++) {
      const sb = getSandbox(daemon.client, `bench-snap-${i}`);
      const t0 = now();
      await daemon.client.createSandbox({ id: sb.id, backend: 'microvm' });
      await sb.exec('true');
      const t = ms(t0);
      await sb.destroy();
      const source = daemon.created.get(sb.id)?.source;
      if (source !== 'snapshot') throw new Error(`${sb.id} came from ${source}, not the snapshot`);
      times.push(t);
    }
    return [row('microvm: create -> first exec, from snapshot', times, base)];
  } finally {
    await shutdown(daemon, dataDir);
  }
}
