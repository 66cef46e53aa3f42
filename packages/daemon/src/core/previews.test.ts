import { describe, expect, it } from 'vitest';
import { testRecord } from '../store/record.test.helper.js';
import { AGENT_PORT, PaddockError } from '@paddock/protocol';
import { parseSubnet } from '../net/plan.js';
import { openDb } from '../store/db.js';
import { PreviewStore } from '../store/previews.js';
import { SandboxStore } from '../store/sandboxes.js';
import type { PreviewRecord } from '../store/previews.js';
import { PreviewGate } from './preview-access.js';
import { PreviewService, hashToken } from './previews.js';

function setup() {
  const db = openDb(':memory:');
  const sandboxes = new SandboxStore(db);
  const previews = new PreviewStore(db);
  for (const [tenant, id] of [
    ['t', 'a'],
    ['t', 'b'],
    ['u', 'a'],
  ] as const) {
    sandboxes.reserve(testRecord({ tenant: tenant, id: id }), 64);
  }
  let now = Date.parse('2026-01-01T00:00:00Z');
  const revoked: PreviewRecord[] = [];
  const service = new PreviewService({
    previews,
    sandboxes,
    secret: Buffer.alloc(32, 1),
    urls: { domain: 'localhost', hostPort: 7071, pathBase: 'http://127.0.0.1:7072' },
    platformPorts: () => [7070, 7071, 7072],
    now: () => new Date(now),
  });
  service.onRevoke((p) => revoked.push(p));
  const keys = new Map([
    ['Bearer kt', { id: '1', tenant: 't', scopes: ['previews' as const] }],
    ['Bearer ku', { id: '2', tenant: 'u', scopes: ['previews' as const] }],
    ['Bearer kr', { id: '3', tenant: 't', scopes: ['read' as const] }],
  ]);
  const gate = new PreviewGate(service, parseSubnet('10.99.0.0/16'), (h) => keys.get(h ?? ''));
  return {
    db,
    sandboxes,
    previews,
    service,
    gate,
    revoked,
    tick: (s: number) => (now += s * 1000),
  };
}

const codeOf = (fn: () => unknown) => {
  try {
    fn();
    return 'ok';
  } catch (e) {
    return e instanceof PaddockError ? e.code : String(e);
  }
};
const tokenOf = (url: string) => /-([a-z0-9_]+)\.localhost/.exec(url)?.[1] ?? '';
const noCreds = { authorization: undefined, cookie: undefined };

/** The same string with its last character changed (whatever that character was). */
const tamper = (s: string) => `${s.slice(0, -1)}${s.endsWith('a') ? 'b' : 'a'}`;

describe('PreviewService', () => {
  it('stores only the hash of a random token and builds both URL forms', () => {
    const { service, previews } = setup();
    const r = service.expose('t', 'a', { port: 8080 });
    const token = tokenOf(r.url);
    expect(r.url).toBe(`http://8080-a-${token}.localhost:7071/`);
    expect(r.pathUrl).toBe(`http://127.0.0.1:7072/a/8080/${token}/`);
    expect(r).toMatchObject({ port: 8080, name: 'port-8080', access: 'public' });
    expect(previews.get('t', 'a', 8080)?.tokenHash).toBe(hashToken(token));
    expect(JSON.stringify(previews.list('t', 'a'))).not.toContain(token);
    expect(service.expose('t', 'b', { port: 8080, hostname: 'p.example.com' }).url).toMatch(
      /^http:\/\/8080-b-[a-z2-7]{26}\.p\.example\.com\/$/,
    );
  });

  it('refuses reserved, low and doubly exposed ports, weak and reused tokens', () => {
    const { service } = setup();
    const token = 'q1w2e3r4t5y6u7i8o9p0asdfgh';
    expect(codeOf(() => service.expose('t', 'a', { port: AGENT_PORT }))).toBe('PORT_RESERVED');
    expect(codeOf(() => service.expose('t', 'a', { port: 7071 }))).toBe('PORT_RESERVED');
    expect(codeOf(() => service.expose('t', 'a', { port: 1023 }))).toBe('INVALID_PORT');
    expect(codeOf(() => service.expose('t', 'a', { port: 9000, token: 'ab'.repeat(13) }))).toBe(
      'VALIDATION_FAILED',
    );
    expect(codeOf(() => service.expose('t', 'a', { port: 9000, token }))).toBe('ok');
    expect(codeOf(() => service.expose('t', 'a', { port: 9000 }))).toBe('PORT_ALREADY_EXPOSED');
    expect(codeOf(() => service.expose('t', 'b', { port: 9000, token }))).toBe(
      'PREVIEW_TOKEN_IN_USE',
    );
    expect(codeOf(() => service.expose('t', 'zz', { port: 9000 }))).toBe('SANDBOX_NOT_FOUND');
    expect(codeOf(() => service.unexpose('t', 'a', 9001))).toBe('PORT_NOT_EXPOSED');
  });

  it('deletes previews with their sandbox', () => {
    const { service, sandboxes, previews } = setup();
    service.expose('t', 'a', { port: 8080 });
    sandboxes.delete('t', 'a');
    expect(previews.list('t', 'a')).toEqual([]);
  });
});

describe('PreviewGate', () => {
  it('admits the right token for its own sandbox and port only', () => {
    const { service, gate } = setup();
    const token = tokenOf(service.expose('t', 'a', { port: 8080 }).url);
    const other = tokenOf(service.expose('t', 'b', { port: 8080 }).url);
    service.expose('t', 'a', { port: 8081 });
    const admitted = gate.admit({ sandboxId: 'a', port: 8080, token }, noCreds);
    expect(admitted.upstream).toEqual({ host: '10.99.0.2', port: 8080 });
    expect(codeOf(() => gate.admit({ sandboxId: 'a', port: 8081, token }, noCreds))).toBe(
      'PREVIEW_NOT_FOUND',
    );
    expect(codeOf(() => gate.admit({ sandboxId: 'a', port: 8080, token: other }, noCreds))).toBe(
      'PREVIEW_NOT_FOUND',
    );
    expect(
      codeOf(() => gate.admit({ sandboxId: 'a', port: 8080, token: `${token}x` }, noCreds)),
    ).toBe('PREVIEW_NOT_FOUND');
  });

  it('stops an unexposed or expired token and reports revocation', () => {
    const { service, gate, revoked, tick } = setup();
    const token = tokenOf(service.expose('t', 'a', { port: 8080, expiresIn: 60 }).url);
    tick(59);
    expect(codeOf(() => gate.admit({ sandboxId: 'a', port: 8080, token }, noCreds))).toBe('ok');
    tick(1);
    expect(codeOf(() => gate.admit({ sandboxId: 'a', port: 8080, token }, noCreds))).toBe(
      'PREVIEW_EXPIRED',
    );
    service.unexpose('t', 'a', 8080);
    expect(revoked.map((p) => p.port)).toEqual([8080]);
    expect(codeOf(() => gate.admit({ sandboxId: 'a', port: 8080, token }, noCreds))).toBe(
      'PREVIEW_NOT_FOUND',
    );
  });

  it('signed links work alone until they expire, and die with their preview', () => {
    const { service, gate, tick } = setup();
    service.expose('t', 'a', { port: 8080, access: 'private' });
    const link = tokenOf(service.grant('t', 'a', 8080, { kind: 'link', expiresIn: 30 }).url);
    const name = { sandboxId: 'a', port: 8080, token: link };
    expect(codeOf(() => gate.admit(name, noCreds))).toBe('ok');
    expect(codeOf(() => gate.admit({ ...name, port: 8081 }, noCreds))).toBe('PREVIEW_NOT_FOUND');
    tick(31);
    expect(codeOf(() => gate.admit(name, noCreds))).toBe('PREVIEW_EXPIRED');
    tick(-31);
    service.unexpose('t', 'a', 8080);
    service.expose('t', 'a', { port: 8080 });
    expect(codeOf(() => gate.admit(name, noCreds))).toBe('PREVIEW_NOT_FOUND');
  });

  it("a private preview needs its tenant's previews key or a login cookie", () => {
    const { service, gate, tick } = setup();
    const token = tokenOf(service.expose('t', 'a', { port: 8080, access: 'private' }).url);
    const name = { sandboxId: 'a', port: 8080, token };
    const as = (authorization?: string, cookie?: string) =>
      codeOf(() => gate.admit(name, { authorization, cookie }));
    expect(as()).toBe('PREVIEW_AUTH_REQUIRED');
    expect(as('Bearer kt')).toBe('ok');
    expect(as('Bearer ku')).toBe('PREVIEW_AUTH_REQUIRED');
    expect(as('Bearer kr')).toBe('PREVIEW_AUTH_REQUIRED');
    const login = new URL(service.grant('t', 'a', 8080, { kind: 'login' }).url, 'http://x');
    const [exp, sig] = [login.searchParams.get('exp') ?? '', login.searchParams.get('sig') ?? ''];
    expect(codeOf(() => gate.login(name, exp, tamper(sig)))).toBe('PREVIEW_AUTH_REQUIRED');
    const { cookie, maxAge } = gate.login(name, exp, sig);
    expect(maxAge).toBe(3600);
    expect(as(undefined, cookie)).toBe('ok');
    expect(as(undefined, tamper(cookie))).toBe('PREVIEW_AUTH_REQUIRED');
    tick(3601);
    expect(as(undefined, cookie)).toBe('PREVIEW_AUTH_REQUIRED');
    expect(codeOf(() => gate.login(name, exp, sig))).toBe('PREVIEW_AUTH_REQUIRED');
  });
});
