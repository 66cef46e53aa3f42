/** The HTTP API's own contract: auth, error codes and validation, over real HTTP. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeDataDir, startDaemon, type TestDaemon } from './harness.js';

describe('HTTP API', () => {
  let daemon: TestDaemon;
  const call = (path: string, init: RequestInit & { key?: string | null } = {}) => {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    const key = init.key === undefined ? daemon.apiKey : init.key;
    if (key !== null) headers['authorization'] = `Bearer ${key}`;
    return fetch(`${daemon.url}${path}`, { ...init, headers });
  };

  beforeAll(async () => {
    daemon = await startDaemon({ subnet: '10.215.0.0/16' });
  });
  afterAll(async () => {
    await daemon?.stop();
    if (daemon) removeDataDir(daemon.dataDir);
  });

  it('answers 401 UNAUTHORIZED without a key and with a wrong key', async () => {
    for (const key of [null, 'paddock_wrong', 'not a key at all']) {
      const res = await call('/v1/sandboxes', { key });
      expect(res.status).toBe(401);
      const body = (await res.json()) as { code: string; message: string };
      expect(body.code).toBe('UNAUTHORIZED');
      expect(body.message).toMatch(/PADDOCK_API_KEY/);
    }
  });

  it('checks the key before anything else, even on unknown sandboxes', async () => {
    const res = await call('/v1/sandboxes/whatever/exec', { method: 'POST', key: null, body: '{' });
    expect(res.status).toBe(401);
  });

  it('answers 404 SANDBOX_NOT_FOUND for an unknown sandbox', async () => {
    const res = await call('/v1/sandboxes/ghost/exec', {
      method: 'POST',
      body: JSON.stringify({ command: 'true' }),
    });
    expect(res.status).toBe(404);
    expect(((await res.json()) as { code: string }).code).toBe('SANDBOX_NOT_FOUND');
  });

  it('answers 400 naming the field for a malformed body', async () => {
    const cases: Array<[unknown, RegExp]> = [
      [{ limits: { memoryMiB: 'lots' } }, /body\.limits\.memoryMiB must be an integer/],
      [{ id: 'Bad_ID' }, /body\.id must be/],
      [{ idd: 'x' }, /body\.idd is not a known field/],
      [{ env: { '1BAD': 'x' } }, /body\.env key '1BAD'/],
    ];
    for (const [body, message] of cases) {
      const res = await call('/v1/sandboxes', { method: 'POST', body: JSON.stringify(body) });
      expect(res.status).toBe(400);
      const err = (await res.json()) as { code: string; message: string };
      expect(err.code).toBe('VALIDATION_FAILED');
      expect(err.message).toMatch(message);
    }
    const list = (await (await call('/v1/sandboxes')).json()) as { sandboxes: unknown[] };
    expect(list.sandboxes).toEqual([]);
  });

  it('answers 400 INVALID_JSON for a body that is not JSON', async () => {
    const res = await call('/v1/sandboxes', { method: 'POST', body: '{"id":' });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { code: string }).code).toBe('INVALID_JSON');
  });

  it('answers 400 for a malformed sandbox id in the path', async () => {
    const res = await call('/v1/sandboxes/UPPER', {});
    expect(res.status).toBe(400);
    expect(((await res.json()) as { message: string }).message).toMatch(/path\.id/);
  });

  it('answers 404 ROUTE_NOT_FOUND and 405 METHOD_NOT_ALLOWED', async () => {
    expect((await call('/v1/nothing')).status).toBe(404);
    expect((await call('/v1/sandboxes', { method: 'DELETE' })).status).toBe(405);
  });

  it('serves an OpenAPI document generated from the validating schemas', async () => {
    const res = await fetch(`${daemon.url}/v1/openapi.json`);
    expect(res.status).toBe(200);
    const doc = (await res.json()) as {
      openapi: string;
      paths: Record<string, Record<string, any>>;
    };
    expect(doc.openapi).toBe('3.1.0');
    const exec = doc.paths['/v1/sandboxes/{id}/exec']?.['post'];
    expect(exec.requestBody.content['application/json'].schema.properties.timeout.type).toBe(
      'integer',
    );
    expect(Object.keys(doc.paths)).toContain('/v1/sandboxes/{id}/files/write');
  });
});

describe('rate limits', () => {
  let daemon: TestDaemon;
  beforeAll(async () => {
    daemon = await startDaemon({ subnet: '10.223.0.0/16', env: { PADDOCK_RATE_LIMIT: '1/3' } });
  });
  afterAll(async () => {
    await daemon?.stop();
    if (daemon) removeDataDir(daemon.dataDir);
  });

  it("answers 429 RATE_LIMITED with Retry-After past a key's burst; other keys go on", async () => {
    const list = (key: string) =>
      fetch(`${daemon.url}/v1/sandboxes`, { headers: { authorization: `Bearer ${key}` } });
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await list(daemon.apiKey)).status);
    expect(statuses.slice(0, 3)).toEqual([200, 200, 200]);
    const limited = await list(daemon.apiKey);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(((await limited.json()) as { code: string }).code).toBe('RATE_LIMITED');
    const other = await fetch(`${daemon.url}/v1/keys`, {
      method: 'POST',
      headers: { authorization: `Bearer ${daemon.apiKey}`, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(other.status).toBe(429);
    await new Promise((r) => setTimeout(r, 2100));
    const created = await fetch(`${daemon.url}/v1/keys`, {
      method: 'POST',
      headers: { authorization: `Bearer ${daemon.apiKey}`, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(created.status).toBe(201);
    const { key } = (await created.json()) as { key: string };
    expect((await list(key)).status).toBe(200);
  });
});
