import { mkdtempSync, rmSync } from 'node:fs';
import { testRecord } from './record.test.helper.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { openDb } from './db.js';
import { SandboxStore } from './sandboxes.js';

const dir = mkdtempSync(join(tmpdir(), 'paddock-env-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('keeps a sandbox env set after create across a reopen of the database (daemon restart)', () => {
  const file = join(dir, 'paddock.db');
  const db = openDb(file);
  const store = new SandboxStore(db);
  store.reserve(testRecord({ tenant: 't', id: 'a', name: 'pdka', env: { FIRST: '1' } }), 4);
  store.setEnv('t', 'a', { SECOND: '2' });
  store.setEnv('other-tenant', 'a', { STOLEN: '1' }); // scoped by tenant: changes nothing
  db.close();
  const reopened = openDb(file);
  expect(new SandboxStore(reopened).get('t', 'a')?.env).toEqual({ SECOND: '2' });
  reopened.close();
});
