import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { DEFAULT_LIMITS } from '../config.js';
import { openDb } from './db.js';
import { SandboxStore } from './sandboxes.js';

const dir = mkdtempSync(join(tmpdir(), 'paddock-env-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('keeps a sandbox env set after create across a reopen of the database (daemon restart)', () => {
  const file = join(dir, 'paddock.db');
  const db = openDb(file);
  const store = new SandboxStore(db);
  store.reserve(
    {
      tenant: 't',
      id: 'a',
      name: 'pdka',
      state: 'running',
      stateReason: undefined,
      backend: 'jail',
      limits: { ...DEFAULT_LIMITS, memoryMiB: 256, diskMiB: 256, pids: 128 },
      env: { FIRST: '1' },
      network: { internet: false, allow: [], deny: [] },
      agentToken: 'x',
      createdAt: new Date().toISOString(),
      sleepAfterMs: undefined,
      sleepMode: 'stop',
      keepAlive: false,
      expiresAt: undefined,
      lastActiveAt: 0,
      asleepAs: undefined,
    },
    4,
  );
  store.setEnv('t', 'a', { SECOND: '2' });
  store.setEnv('other-tenant', 'a', { STOLEN: '1' }); // scoped by tenant: changes nothing
  db.close();
  const reopened = openDb(file);
  expect(new SandboxStore(reopened).get('t', 'a')?.env).toEqual({ SECOND: '2' });
  reopened.close();
});
