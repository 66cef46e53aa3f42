// Create -> first exec of microVMs restored from a snapshot (core/snapshots.ts), on a daemon of
// its own with snapshots on: it waits for the template of the default size class, then times N
// creates, each of which must say it came from the snapshot.
import { mkdtempSync } from 'node:fs';
import { row, shutdown, startDaemon, timeCreates } from './bench-lib.mjs';

export async function snapshotRows(n, subnet, base) {
  const dataDir = mkdtempSync('/tmp/paddock-bench-snap-');
  const daemon = await startDaemon(dataDir, subnet, 'none', ['--backend', 'microvm'], {
    PADDOCK_SNAPSHOTS: 'on',
  });
  try {
    await daemon.snapshotReady();
    const times = await timeCreates(
      daemon,
      n,
      'bench-snap',
      { backend: 'microvm' },
      {
        source: 'snapshot',
      },
    );
    return [row('microvm: create -> first exec, from snapshot', times, base)];
  } finally {
    await shutdown(daemon, dataDir);
  }
}
