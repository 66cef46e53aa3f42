/**
 * Preview URLs end to end on each OCI backend: a web app in a sandbox reached through the preview
 * proxy over HTTP (chunked, SSE, redirects), WebSocket and in headless Chromium; every bad token
 * refused with 404 before the app sees a request; private previews; what headers reach the app.
 */
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium } from 'playwright-core';
import { AGENT_PORT } from '@paddock/protocol';
import { Paddock, PaddockError, getSandbox, type ExposedPort, type Sandbox } from '@paddock/sdk';
import { linkToken } from '../../packages/daemon/dist/preview/sign.js';
import { CLI, hostTraces, removeDataDir, startDaemon, type TestDaemon } from './harness.js';
import { PREVIEW_APP } from './preview-app.js';
import { at, codeOf, get, open, tokenOf, withToken, wsEcho } from './preview-client.js';

const SHOTS = join(import.meta.dirname, '..', '..', '.paddock-test');
const errCode = (e: unknown) => (PaddockError.is(e) ? e.code : String(e));

async function serve(sandbox: Sandbox, ...ports: number[]): Promise<void> {
  await sandbox.writeFile('/workspace/app.js', PREVIEW_APP);
  for (const port of ports) {
    const proc = await sandbox.startProcess(`node /workspace/app.js ${port}`);
    await proc.waitForPort(port, { mode: 'tcp' });
  }
}

/** The request lines the app on `port` has logged. */
async function requestsSeen(sandbox: Sandbox, port: number): Promise<string> {
  const r = await sandbox.exec(`cat /workspace/requests-${port}.log 2>/dev/null || true`);
  return r.stdout;
}

describe.each([
  { backend: 'jail', subnet: '10.230.0.0/16' },
  { backend: 'gvisor', subnet: '10.231.0.0/16' },
])('preview URLs on $backend', ({ backend, subnet }) => {
  let daemon: TestDaemon;
  let client: Paddock;
  let a: Sandbox;
  let b: Sandbox;
  let webA: ExposedPort;
  let otherA: ExposedPort;
  let webB: ExposedPort;

  beforeAll(async () => {
    daemon = await startDaemon({ backend, subnet });
    client = new Paddock({ url: daemon.url, apiKey: daemon.apiKey });
    a = getSandbox(client, 'pv-a');
    b = getSandbox(client, 'pv-b');
    await serve(a, 8080, 8081, 8082);
    await serve(b, 8080);
    webA = await a.exposePort(8080, { name: 'web' });
    otherA = await a.exposePort(8081);
    webB = await b.exposePort(8080);
  });

  afterAll(async () => {
    await a?.destroy().catch(() => undefined);
    await b?.destroy().catch(() => undefined);
    await daemon?.stop();
    if (daemon) {
      const t = hostTraces(daemon.dataDir);
      expect([...t.mounts, ...t.netns, ...t.links, ...t.cgroups]).toEqual([]);
      removeDataDir(daemon.dataDir);
    }
  });

  it('gives a URL of the documented form and lists the port without it', async () => {
    const token = tokenOf(webA.url);
    expect(webA.url).toBe(`http://8080-pv-a-${token}.localhost:${daemon.preview.port}/`);
    expect(token).toMatch(/^[a-z2-7]{26}$/);
    expect(webA.pathUrl).toBe(`${daemon.preview.pathBase}/pv-a/8080/${token}/`);
    const listed = await a.getExposedPorts();
    expect(listed.map((p) => [p.port, p.name, p.access])).toEqual([
      [8080, 'web', 'public'],
      [8081, 'port-8081', 'public'],
    ]);
    expect(JSON.stringify(listed)).not.toContain(token);
  });

  it('proxies HTTP: pages, chunked bodies both ways, redirects unfollowed', async () => {
    const page = await get(webA.url);
    expect(page.status).toBe(200);
    expect(page.body).toContain('<title>preview</title>');
    const big = await get(at(webA.url, '/big?mib=4'));
    expect(big.body.length).toBe(4 * 1024 * 1024);
    const echo = await get(at(webA.url, '/echo'), { method: 'POST', body: 'y'.repeat(300_000) });
    expect(JSON.parse(echo.body)).toEqual({ bytes: 300_000 });
    const redirect = await get(at(webA.url, '/redirect'));
    expect(redirect.status).toBe(302);
    expect(redirect.headers.location).toBe('/target');
    expect(await requestsSeen(a, 8080)).not.toContain('GET /target');
  });

  it('streams SSE events as they are sent', async () => {
    const res = await open(at(webA.url, '/sse'));
    expect(res.headers['content-type']).toBe('text/event-stream');
    // The app holds its second event until the client leaves: the first must arrive alone.
    const first = await new Promise<string>((resolve) =>
      res.once('data', (d: Buffer) => resolve(String(d))),
    );
    expect(first).toBe('data: one\n\n');
    res.destroy();
  });

  it('upgrades WebSockets on the host and the path form', async () => {
    expect(await wsEcho(at(webA.url, '/ws').replace('http:', 'ws:'), 'hi')).toBe('echo:hi');
    const viaPath = `${webA.pathUrl}ws`.replace('http:', 'ws:');
    expect(await wsEcho(viaPath, 'there')).toBe('echo:there');
  });

  it('serves a page to headless Chromium that opens a WebSocket through the proxy', async () => {
    const browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      // Every host name resolves to loopback: the browser contacts 127.0.0.1 only.
      args: ['--no-sandbox', '--host-resolver-rules=MAP * 127.0.0.1'],
    });
    try {
      const page = await browser.newPage();
      await page.goto(webA.url);
      await page.waitForFunction('document.getElementById("s").textContent === "ws:echo:hello"');
      mkdirSync(SHOTS, { recursive: true });
      const file = join(SHOTS, `preview-${backend}.png`);
      await page.screenshot({ path: file });
      expect(readFileSync(file).subarray(1, 4).toString()).toBe('PNG');
    } finally {
      await browser.close();
    }
  });

  it('answers 404 to a wrong, misplaced, foreign, revoked or expired token before forwarding', async () => {
    const tokenA = tokenOf(webA.url);
    const revoked = await a.exposePort(8082);
    await a.unexposePort(8082);
    const expired = linkToken(
      readSecret(daemon),
      { tenant: 'default', sandboxId: 'pv-a', port: 8080, tokenHash: sha256(tokenA) },
      Math.floor(Date.now() / 1000) - 60,
    );
    const flipped = `${tokenA.slice(0, -1)}${tokenA.endsWith('a') ? 'b' : 'a'}`;
    const cases: Array<[string, string, string]> = [
      ['wrong token', withToken(webA.url, flipped), 'PREVIEW_NOT_FOUND'],
      [
        'token of another port',
        withToken(otherA.url.replace('8081-', '8080-'), tokenOf(otherA.url)),
        'PREVIEW_NOT_FOUND',
      ],
      ["another sandbox's token", withToken(webA.url, tokenOf(webB.url)), 'PREVIEW_NOT_FOUND'],
      ['revoked token', revoked.url, 'PREVIEW_NOT_FOUND'],
      ['expired link', withToken(webA.url, expired), 'PREVIEW_EXPIRED'],
      ['path form, wrong token', webA.pathUrl!.replace(tokenA, flipped), 'PREVIEW_NOT_FOUND'],
    ];
    for (const [what, url, code] of cases) {
      const r = await get(at(url, `probe-${what.replace(/\W/g, '-')}`));
      expect([what, r.status, codeOf(r)]).toEqual([what, 404, code]);
      expect(await wsEcho(at(url, '/probe-ws').replace('http:', 'ws:'), 'x')).toBe('refused 404');
    }
    for (const port of [8080, 8081, 8082]) {
      const seen = await requestsSeen(a, port);
      expect(seen).not.toContain('probe');
    }
    expect(await requestsSeen(b, 8080)).not.toContain('probe');
  });

  it('a signed link works on its own until it expires', async () => {
    const link = await a.createPreviewLink(8080, 600);
    expect(link.url).not.toContain(tokenOf(webA.url));
    expect((await get(at(link.url, '/headers'))).status).toBe(200);
  });

  it('refuses a private preview without credentials; a key or the login cookie opens it', async () => {
    const priv = await a.exposePort(8082, { access: 'private' });
    const bare = await get(at(priv.url, '/probe-private'));
    expect([bare.status, codeOf(bare)]).toEqual([401, 'PREVIEW_AUTH_REQUIRED']);
    expect(await requestsSeen(a, 8082)).not.toContain('probe-private');
    const withKey = await get(at(priv.url, '/headers'), {
      headers: { authorization: `Bearer ${daemon.apiKey}` },
    });
    expect(withKey.status).toBe(200);
    const login = await get(await a.previewLoginUrl(8082, priv.url));
    expect(login.status).toBe(303);
    const setCookie = (login.headers['set-cookie'] ?? [])[0] ?? '';
    expect(setCookie).toMatch(
      /^paddock_preview=[^;]+; Path=\/; Max-Age=\d+; HttpOnly; SameSite=Lax$/,
    );
    const cookie = setCookie.split(';')[0] as string;
    const withCookie = await get(at(priv.url, '/headers'), {
      headers: { cookie: `${cookie}; app=1` },
    });
    expect(withCookie.status).toBe(200);
    expect(JSON.parse(withCookie.body).cookie).toBe('app=1');
    const forged = await get(at(priv.url, '/probe-forged'), { headers: { cookie: `${cookie}x` } });
    expect(forged.status).toBe(401);
    await a.unexposePort(8082);
  });

  it('sends the app no API key, no platform cookie and no token; sets X-Forwarded-* itself', async () => {
    const token = tokenOf(webA.url);
    for (const url of [at(webA.url, '/headers'), `${webA.pathUrl}headers`]) {
      const r = await get(url, {
        headers: {
          authorization: `Bearer ${daemon.apiKey}`,
          cookie: 'paddock_preview=abc; app=1',
          'x-forwarded-for': '203.0.113.9',
          'x-forwarded-host': 'evil.example',
          origin: new URL(url).origin,
          referer: url,
        },
      });
      expect(r.status).toBe(200);
      expect(r.body).not.toContain(token);
      expect(r.body).not.toContain(daemon.apiKey);
      const h = JSON.parse(r.body) as Record<string, string>;
      expect(h['authorization']).toBeUndefined();
      expect(h['cookie']).toBe('app=1');
      expect(h['x-forwarded-for']).toBe('127.0.0.1');
      expect(h['x-forwarded-proto']).toBe('http');
      expect(h['x-forwarded-host']).not.toContain('evil');
      expect(h['host']).toBe('localhost:8080');
    }
    expect(daemon.log.join('')).not.toContain(token);
  });

  it('refuses reserved and invalid ports and double exposure', async () => {
    const apiPort = Number(new URL(daemon.url).port);
    const tries: Array<[() => Promise<unknown>, string]> = [
      [() => a.exposePort(AGENT_PORT), 'PORT_RESERVED'],
      [() => a.exposePort(apiPort), 'PORT_RESERVED'],
      [() => a.exposePort(daemon.preview.port), 'PORT_RESERVED'],
      [() => a.exposePort(80), 'INVALID_PORT'],
      [() => a.exposePort(8080), 'PORT_ALREADY_EXPOSED'],
      [() => a.unexposePort(9999), 'PORT_NOT_EXPOSED'],
      [() => a.exposePort(9000, { token: 'a'.repeat(30) }), 'VALIDATION_FAILED'],
    ];
    for (const [call, code] of tries)
      expect(errCode(await call().catch((e: unknown) => e))).toBe(code);
  });

  it('needs the previews scope and the owning tenant', async () => {
    const execOnly = new Paddock({
      url: daemon.url,
      apiKey: (await client.createKey({ scopes: ['exec'] })).key,
    });
    const other = new Paddock({
      url: daemon.url,
      apiKey: (await client.createKey({ tenant: 'other' })).key,
    });
    const call = (c: Paddock, fn: (s: Sandbox) => Promise<unknown>) =>
      fn(getSandbox(c, 'pv-a', { createIfMissing: false })).catch((e: unknown) => e);
    expect(errCode(await call(execOnly, (s) => s.exposePort(9001)))).toBe('FORBIDDEN');
    expect(errCode(await call(execOnly, (s) => s.getExposedPorts()))).toBe('FORBIDDEN');
    expect(errCode(await call(other, (s) => s.exposePort(9001)))).toBe('SANDBOX_NOT_FOUND');
    expect(errCode(await call(other, (s) => s.unexposePort(8080)))).toBe('SANDBOX_NOT_FOUND');
    // Another tenant's key does not open a private preview either.
    const priv = await a.exposePort(9002, { access: 'private' });
    const otherKey = (await client.createKey({ tenant: 'other', scopes: ['previews'] })).key;
    const r = await get(priv.url, { headers: { authorization: `Bearer ${otherKey}` } });
    expect([r.status, codeOf(r)]).toEqual([401, 'PREVIEW_AUTH_REQUIRED']);
    await a.unexposePort(9002);
  });

  it('keeps URLs and signed links working across a daemon restart', async () => {
    const link = await a.createPreviewLink(8080, 600);
    await daemon.stop();
    daemon = await startDaemon({ backend, subnet, dataDir: daemon.dataDir });
    client = new Paddock({ url: daemon.url, apiKey: daemon.apiKey });
    a = getSandbox(client, 'pv-a');
    b = getSandbox(client, 'pv-b');
    const moved = (url: string) => {
      const u = new URL(url);
      u.port = String(daemon.preview.port);
      return u.toString();
    };
    expect((await get(at(moved(webA.url), '/headers'))).status).toBe(200);
    expect((await get(at(moved(link.url), '/headers'))).status).toBe(200);
    webB = { ...webB, url: moved(webB.url) };
  });

  it('the CLI exposes, lists and unexposes', () => {
    const env = { ...process.env, PADDOCK_URL: daemon.url, PADDOCK_API_KEY: daemon.apiKey };
    const cli = (...args: string[]) =>
      execFileSync(process.execPath, [CLI, ...args], { env, encoding: 'utf8' });
    expect(cli('expose', 'pv-a', '8083', '--name', 'cli')).toMatch(
      /^http:\/\/8083-pv-a-[a-z2-7]{26}\.localhost:\d+\/\n$/,
    );
    expect(cli('ports', 'pv-a')).toMatch(/8083\s+cli\s+public/);
    cli('unexpose', 'pv-a', '8083');
    expect(cli('ports', 'pv-a')).not.toContain('8083');
  });

  it('destroying a sandbox revokes its previews', async () => {
    await b.destroy();
    const r = await get(webB.url);
    expect([r.status, codeOf(r)]).toEqual([404, 'PREVIEW_NOT_FOUND']);
  });
});

function readSecret(d: TestDaemon): Buffer {
  return Buffer.from(readFileSync(join(d.dataDir, 'preview-secret'), 'utf8').trim(), 'hex');
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
