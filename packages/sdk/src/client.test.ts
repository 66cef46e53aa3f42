import { createServer } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { ConnectionError, MissingApiKeyError, RequestTimeoutError } from './client-errors.js';
import { Paddock } from './client.js';
import { PaddockError, SandboxNotFoundError, UnauthorizedError } from './errors.js';
import { API_KEY, FakeDaemon, sandboxInfo } from './fake-daemon.test.helper.js';

let daemon: FakeDaemon;
let paddock: Paddock;

beforeAll(async () => {
  daemon = await FakeDaemon.start();
  paddock = new Paddock({ url: daemon.url, apiKey: API_KEY });
});
afterAll(() => daemon.close());
afterEach(() => {
  daemon.requests.length = 0;
  daemon.sandboxes.clear();
  daemon.override = undefined;
  vi.unstubAllEnvs();
});

/** A port nothing listens on: bind one, then close it. */
async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const port = (srv.address() as { port: number }).port;
  await new Promise((resolve) => srv.close(resolve));
  return port;
}

describe('Paddock construction', () => {
  it('throws MissingApiKeyError naming PADDOCK_API_KEY when no key is given', () => {
    vi.stubEnv('PADDOCK_API_KEY', '');
    expect(() => new Paddock({ url: daemon.url })).toThrow(MissingApiKeyError);
    expect(() => new Paddock()).toThrow(/set PADDOCK_API_KEY or pass \{ apiKey \}/);
  });

  it('reads PADDOCK_URL and PADDOCK_API_KEY from the environment', async () => {
    vi.stubEnv('PADDOCK_URL', `${daemon.url}/`);
    vi.stubEnv('PADDOCK_API_KEY', API_KEY);
    const fromEnv = new Paddock();
    expect(fromEnv.url).toBe(daemon.url);
    await expect(fromEnv.health()).resolves.toMatchObject({ status: 'ok' });
  });

  it('defaults to 127.0.0.1:7070', () => {
    vi.stubEnv('PADDOCK_URL', '');
    expect(new Paddock({ apiKey: 'k' }).url).toBe('http://127.0.0.1:7070');
  });

  it('rejects a malformed URL at once', () => {
    expect(() => new Paddock({ apiKey: 'k', url: 'localhost:7070' })).toThrow(
      /Invalid Paddock URL/,
    );
  });
});

describe('Paddock requests', () => {
  it('sends the API key as a Bearer token on every request', async () => {
    await paddock.health();
    await paddock.createSandbox({ id: 'a' });
    await paddock.listSandboxes();
    expect(daemon.requests).toHaveLength(3);
    for (const r of daemon.requests) expect(r.headers.authorization).toBe(`Bearer ${API_KEY}`);
  });

  it('creates, lists, gets and deletes sandboxes', async () => {
    const created = await paddock.createSandbox({ id: 'box', limits: { memoryMiB: 512 } });
    expect(created.id).toBe('box');
    expect(daemon.requests[0]?.body).toEqual({ id: 'box', limits: { memoryMiB: 512 } });
    expect((await paddock.listSandboxes()).map((s) => s.id)).toEqual(['box']);
    await expect(paddock.getSandboxInfo('box')).resolves.toEqual(sandboxInfo('box'));
    await expect(paddock.deleteSandbox('box')).resolves.toEqual({ id: 'box', deleted: true });
    await expect(paddock.getSandboxInfo('box')).rejects.toBeInstanceOf(SandboxNotFoundError);
  });

  it('escapes the id in the path', async () => {
    await expect(paddock.getSandboxInfo('a/b')).rejects.toThrow(PaddockError);
    expect(daemon.requests[0]?.path).toBe('/v1/sandboxes/a%2Fb');
  });

  it('maps a wrong key to UnauthorizedError with the reply status', async () => {
    const bad = new Paddock({ url: daemon.url, apiKey: 'wrong' });
    const err = await bad.health().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnauthorizedError);
    expect(err).toMatchObject({ code: 'UNAUTHORIZED', status: 401 });
  });

  it('uses an injected fetch', async () => {
    const fetch = vi.fn(globalThis.fetch);
    await new Paddock({ url: daemon.url, apiKey: API_KEY, fetch }).health();
    expect(fetch).toHaveBeenCalledOnce();
  });
});

describe('transport failures', () => {
  it('throws ConnectionError naming the URL and `paddock serve` when nothing listens', async () => {
    const url = `http://127.0.0.1:${await closedPort()}`;
    const err = await new Paddock({ url, apiKey: 'k' }).health().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectionError);
    expect(PaddockError.is(err)).toBe(false);
    expect((err as Error).message).toContain(url);
    expect((err as Error).message).toMatch(/ECONNREFUSED.*paddock serve.*PADDOCK_URL/);
  });

  it('throws RequestTimeoutError when the daemon does not answer within timeoutMs', async () => {
    daemon.override = () => ({ status: 200, body: {}, delayMs: 500 });
    const slow = new Paddock({ url: daemon.url, apiKey: API_KEY, timeoutMs: 50 });
    const err = await slow.health().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RequestTimeoutError);
    expect(err).toBeInstanceOf(ConnectionError);
    expect((err as Error).message).toMatch(/within 50 ms.*timeoutMs/);
  });

  it('turns a non-JSON error reply into INTERNAL_ERROR naming the status', async () => {
    daemon.override = () => ({ status: 502, raw: '<html>Bad Gateway</html>' });
    const err = await paddock.health().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PaddockError);
    expect(err).toMatchObject({ code: 'INTERNAL_ERROR', status: 502 });
    expect((err as Error).message).toMatch(/HTTP 502.*Bad Gateway/);
  });

  it('treats an error body with an unknown code as not a Paddock error body', async () => {
    daemon.override = () => ({ status: 418, body: { code: 'TEAPOT', message: 'short and stout' } });
    const err = await paddock.health().catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'INTERNAL_ERROR', status: 418 });
    expect((err as Error).message).toContain('TEAPOT');
  });

  it('turns a non-JSON success reply into INTERNAL_ERROR', async () => {
    daemon.override = () => ({ status: 200, raw: 'not json' });
    await expect(paddock.health()).rejects.toMatchObject({ code: 'INTERNAL_ERROR' });
  });
});
