/**
 * At start-up: sandboxes whose runtime is gone are marked failed with the reason; sandboxes caught
 * half-way through create or destroy (a claim from the pool included) are cleaned up.
 */
import type { BackendName } from '@paddock/protocol';
import type { Backend } from '../backends/backend.js';
import type { Subnet } from '../net/plan.js';
import type { SandboxRecord, SandboxStore } from '../store/sandboxes.js';
import { specOf } from './records.js';

interface RecoveryDeps {
  store: SandboxStore;
  backends: ReadonlyMap<BackendName, Backend>;
  subnet: Subnet;
}

export async function recoverSandboxes(deps: RecoveryDeps): Promise<void> {
  for (const rec of deps.store.all()) {
    try {
      await recoverOne(deps, rec);
    } catch (err) {
      const reason = `not recovered: ${String(err)}`.slice(0, 500);
      deps.store.setState(rec.tenant, rec.id, 'failed', reason);
    }
  }
}

async function recoverOne(deps: RecoveryDeps, rec: SandboxRecord): Promise<void> {
  const spec = specOf(deps.subnet, rec);
  const backend = deps.backends.get(rec.backend);
  if (!backend) throw new Error(`backend ${rec.backend} is not offered any more`);
  if (rec.state === 'creating' || rec.state === 'stopping') {
    await backend.destroy(spec);
    deps.store.delete(rec.tenant, rec.id);
    return;
  }
  if (rec.state !== 'running') return;
  const live = await backend.inspect(spec);
  if (!live.alive) deps.store.setState(rec.tenant, rec.id, 'failed', live.reason);
}
