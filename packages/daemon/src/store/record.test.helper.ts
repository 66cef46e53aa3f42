/** A running sandbox's stored record with test defaults, for store and core unit tests. */
import { DEFAULT_LIMITS } from '../config.js';
import type { SandboxRecord } from './sandboxes.js';

export function testRecord(
  over: Partial<Omit<SandboxRecord, 'slot'>> & Pick<SandboxRecord, 'tenant' | 'id'>,
): Omit<SandboxRecord, 'slot'> {
  return {
    name: `pdk${over.tenant}${over.id}`,
    state: 'running',
    stateReason: undefined,
    backend: 'jail',
    limits: { ...DEFAULT_LIMITS, memoryMiB: 256, diskMiB: 256, pids: 128 },
    env: {},
    network: { internet: false, allow: [], deny: [] },
    agentToken: 'x',
    createdAt: new Date(0).toISOString(),
    sleepAfterMs: undefined,
    sleepMode: 'stop',
    keepAlive: false,
    expiresAt: undefined,
    lastActiveAt: 0,
    asleepAs: undefined,
    ...over,
  };
}
