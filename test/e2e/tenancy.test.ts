/**
 * Tenants and keys over real HTTP: a tenant sees and touches only its own sandboxes (another
 * tenant's answers exactly like one that does not exist), ids are names within a tenant, scopes
 * limit what a key may do, and a revoked key stops working.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Paddock, PaddockError, getSandbox } from '@paddock/sdk';
import { removeDataDir, startDaemon, type TestDaemon } from './harness.js';

const codeOf = (e: unknown) => (PaddockError.is(e) ? e.code : String(e));

describe('tenancy and keys', () => {
  let daemon: TestDaemon;
  let admin: Paddock;
  let a: Paddock;
  let b: Paddock;
  let bKeyId: string;

  beforeAll(async () => {
    daemon = await startDaemon({ subnet: '10.221.0.0/16' });
    admin = new Paddock({ url: daemon.url, apiKey: daemon.apiKey });
    const ka = await admin.createKey({ tenant: 'team-a', name: 'a' });
    const kb = await admin.createKey({ tenant: 'team-b', name: 'b' });
    bKeyId = kb.info.id;
    a = new Paddock({ url: daemon.url, apiKey: ka.key });
    b = new Paddock({ url: daemon.url, apiKey: kb.key });
  });

  afterAll(async () => {
    await getSandbox(a, 'box')
      .destroy()
      .catch(() => undefined);
    await getSandbox(admin, 'box')
      .destroy()
      .catch(() => undefined);
    await daemon?.stop();
    if (daemon) removeDataDir(daemon.dataDir);
  });

  it("answers another tenant's sandbox exactly like one that does not exist", async () => {
    await a.createSandbox({ id: 'box' });
    for (const call of [
      () => b.getSandboxInfo('box'),
      () => getSandbox(b, 'box', { createIfMissing: false }).exec('true'),
      () => getSandbox(b, 'box', { createIfMissing: false }).readFile('/etc/hostname'),
      () => b.deleteSandbox('box'),
    ]) {
      const err = await call().catch((e: unknown) => e);
      expect(codeOf(err)).toBe('SANDBOX_NOT_FOUND');
      expect((err as Error).message).toMatch(/^Sandbox 'box' does not exist\./);
    }
    const other = await b.getSandboxInfo('box').catch((e: unknown) => e);
    const none = await b.getSandboxInfo('nothing-here').catch((e: unknown) => e);
    expect((other as Error).message.replace("'box'", "'X'")).toBe(
      (none as Error).message.replace("'nothing-here'", "'X'"),
    );
    expect((await a.listSandboxes()).map((s) => s.id)).toEqual(['box']);
    expect(await b.listSandboxes()).toEqual([]);
  });

  it('treats sandbox ids as names within a tenant', async () => {
    const mine = getSandbox(b, 'box');
    await mine.writeFile('/workspace/who', 'team-b');
    expect((await getSandbox(a, 'box').exists('/workspace/who')).exists).toBe(false);
    expect((await mine.readFile('/workspace/who')).content).toBe('team-b');
    await mine.destroy();
    expect((await a.getSandboxInfo('box')).state).toBe('running');
  });

  it('limits a key to its scopes', async () => {
    const ro = await admin.createKey({ tenant: 'team-a', scopes: ['read'] });
    const reader = new Paddock({ url: daemon.url, apiKey: ro.key });
    expect((await reader.listSandboxes()).map((s) => s.id)).toEqual(['box']);
    const exec = await getSandbox(reader, 'box', { createIfMissing: false })
      .exec('true')
      .catch((e: unknown) => e);
    expect(codeOf(exec)).toBe('FORBIDDEN');
    expect(codeOf(await reader.createSandbox({ id: 'nope' }).catch((e: unknown) => e))).toBe(
      'FORBIDDEN',
    );
    expect(codeOf(await a.createKey({}).catch((e: unknown) => e))).toBe('FORBIDDEN');
    expect(codeOf(await a.listKeys().catch((e: unknown) => e))).toBe('FORBIDDEN');
  });

  it('never writes env values or keys to the daemon log', async () => {
    const secret = `s3cr3t-${Date.now()}`;
    const sb = getSandbox(a, 'secrets', { env: { TOKEN: secret } });
    expect((await sb.exec('echo -n "$TOKEN" | wc -c')).stdout.trim()).toBe(String(secret.length));
    await sb.setEnvVars({ OTHER: secret });
    await sb.exec('true', { env: { THIRD: secret } });
    await sb.destroy();
    const log = daemon.log.join('');
    expect(log).not.toContain(secret);
    expect(log).not.toMatch(/paddock_[A-Za-z0-9_-]{20,}/);
  });

  it('stops a revoked key at once and lists keys without their secrets', async () => {
    expect((await b.listSandboxes()).length).toBe(0);
    const revoked = await admin.revokeKey(bKeyId);
    expect(revoked).toMatchObject({ id: bKeyId, tenant: 'team-b', revoked: true });
    expect(codeOf(await b.listSandboxes().catch((e: unknown) => e))).toBe('UNAUTHORIZED');
    const listed = await admin.listKeys();
    expect(listed.map((k) => k.tenant).sort()).toEqual(['default', 'team-a', 'team-a', 'team-b']);
    expect(JSON.stringify(listed)).not.toMatch(/paddock_/);
    expect(codeOf(await admin.revokeKey('abcdef').catch((e: unknown) => e))).toBe('KEY_NOT_FOUND');
  });
});
