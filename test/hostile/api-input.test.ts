/**
 * Hostile API clients on every backend's daemon: wrong keys (all answered alike; response times
 * printed, never asserted), keys kept out of the daemon log, and oversize or malformed bodies
 * (absurd sizes, deep nesting, wrong content type, invalid UTF-8, NUL bytes in paths and ids),
 * each refused with its typed error while the daemon keeps answering.
 */
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { getSandbox, type Sandbox } from '@paddock/sdk';
import { attack } from './results.js';
import { adminOf, daemons, tenant, type HostileDaemon } from './kit.js';

interface Reply {
  status: number;
  code: string;
  message: string;
}

/** One raw request (node:http, so headers and bytes go out exactly as given). */
function raw(
  d: HostileDaemon,
  method: string,
  path: string,
  headers: Record<string, string | number>,
  body?: Buffer | string,
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(`${d.url}${path}`, { method, headers }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => {
        const json = safeJson(text);
        resolve({
          status: res.statusCode ?? 0,
          code: json?.code ?? '',
          message: json?.message ?? text,
        });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

function safeJson(text: string): { code?: string; message?: string } | undefined {
  try {
    return JSON.parse(text) as { code?: string; message?: string };
  } catch {
    return undefined;
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

describe.each(daemons())('API input: $backend', (d: HostileDaemon) => {
  let sb: Sandbox;
  let tenantKey: string;
  const auth = (extra: Record<string, string | number> = {}) => ({
    authorization: `Bearer ${d.apiKey}`,
    'content-type': 'application/json',
    ...extra,
  });
  const exec = '/v1/sandboxes/hostile-input/exec';
  const alive = async () => {
    const r = await sb.exec('echo alive');
    expect(r.stdout).toBe('alive\n');
  };

  beforeAll(async () => {
    sb = getSandbox(adminOf(d), 'hostile-input');
    await sb.exec('true');
    tenantKey = (await tenant(d, 'hostile-keys')).key;
  });

  afterAll(async () => {
    await sb?.destroy();
  });

  attack(d.backend, {
    id: 'H-AUTH-01',
    category: 'auth',
    title: 'wrong keys: none, garbage, right-looking, one character off a real key, huge',
    run: async () => {
      const real = tenantKey;
      const flip = real.slice(0, -1) + (real.endsWith('A') ? 'B' : 'A');
      const variants: Record<string, string | undefined> = {
        'no key': undefined,
        garbage: 'Bearer x',
        'right-looking': `Bearer paddock_${'Z'.repeat(real.length - 8)}`,
        'one char off': `Bearer ${flip}`,
        'basic scheme': `Basic ${Buffer.from(`u:${real}`).toString('base64')}`,
        huge: `Bearer ${'k'.repeat(12_000)}`,
      };
      const times: string[] = [];
      for (const [name, header] of Object.entries(variants)) {
        const ms: number[] = [];
        for (let i = 0; i < 30; i++) {
          const started = performance.now();
          const r = await raw(d, 'GET', '/v1/sandboxes', header ? { authorization: header } : {});
          ms.push(performance.now() - started);
          expect({ name, status: r.status, code: r.code }).toEqual({
            name,
            status: 401,
            code: 'UNAUTHORIZED',
          });
        }
        times.push(`${name} ${median(ms).toFixed(2)} ms`);
      }
      const ok = await raw(d, 'GET', '/v1/sandboxes', { authorization: `Bearer ${real}` });
      expect(ok.status).toBe(200);
      console.log(`[${d.backend}] median 401 time per wrong key: ${times.join(', ')}`);
      return '401 UNAUTHORIZED for all (times printed)';
    },
  });

  attack(d.backend, {
    id: 'H-BODY-01',
    category: 'body',
    title: 'oversize bodies: declared absurd Content-Length, and 65 MiB streamed chunked',
    run: async () => {
      const declared = await raw(d, 'POST', exec, auth({ 'content-length': 99_999_999_999 }), '{}');
      expect([declared.status, declared.code]).toEqual([413, 'PAYLOAD_TOO_LARGE']);
      const big = Buffer.alloc(65 * 1024 * 1024, 0x20);
      const streamed = await raw(d, 'POST', exec, auth({ 'transfer-encoding': 'chunked' }), big);
      expect([streamed.status, streamed.code]).toEqual([413, 'PAYLOAD_TOO_LARGE']);
      await alive();
      return '413 PAYLOAD_TOO_LARGE';
    },
  });

  attack(d.backend, {
    id: 'H-BODY-02',
    category: 'body',
    title: 'deeply nested JSON (200k levels) and a __proto__ key',
    run: async () => {
      const deep = `{"command":${'['.repeat(200_000)}${']'.repeat(200_000)}}`;
      const nested = await raw(d, 'POST', exec, auth(), deep);
      expect([nested.status, nested.code]).toEqual([400, 'VALIDATION_FAILED']);
      const proto = await raw(d, 'POST', exec, auth(), '{"command":"true","__proto__":{"x":1}}');
      expect([proto.status, proto.code]).toEqual([400, 'VALIDATION_FAILED']);
      await alive();
      return '400 VALIDATION_FAILED';
    },
  });

  attack(d.backend, {
    id: 'H-BODY-03',
    category: 'body',
    title: 'malformed JSON and a JSON body sent as text/plain or form data',
    run: async () => {
      const broken = await raw(d, 'POST', exec, auth(), '{"command": "true"');
      expect([broken.status, broken.code]).toEqual([400, 'INVALID_JSON']);
      for (const type of ['text/plain', 'application/x-www-form-urlencoded']) {
        const r = await raw(d, 'POST', exec, auth({ 'content-type': type }), '{"command":"true"}');
        expect({ type, status: r.status, code: r.code }).toEqual({
          type,
          status: 415,
          code: 'UNSUPPORTED_MEDIA_TYPE',
        });
      }
      await alive();
      return '400 INVALID_JSON; 415 UNSUPPORTED_MEDIA_TYPE';
    },
  });

  attack(d.backend, {
    id: 'H-BODY-04',
    category: 'body',
    title: 'invalid UTF-8 inside a JSON string',
    run: async () => {
      const body = Buffer.concat([
        Buffer.from('{"command":"echo '),
        Buffer.from([0xff, 0xfe, 0xc3]),
        Buffer.from('"}'),
      ]);
      const r = await raw(d, 'POST', exec, auth(), body);
      expect([r.status, r.code]).toEqual([400, 'INVALID_JSON']);
      expect(r.message).toMatch(/UTF-8/);
      await alive();
      return '400 INVALID_JSON (not UTF-8)';
    },
  });

  attack(d.backend, {
    id: 'H-BODY-05',
    category: 'body',
    title: 'NUL bytes in file paths (body and query), cwd and the sandbox id',
    run: async () => {
      const base = '/v1/sandboxes/hostile-input';
      const answers = [
        await raw(
          d,
          'POST',
          `${base}/files/read`,
          auth(),
          JSON.stringify({ path: '/etc/passwd\0.txt' }),
        ),
        await raw(
          d,
          'POST',
          `${base}/files/write`,
          auth(),
          JSON.stringify({ path: '/tmp/a\0b', content: 'x' }),
        ),
        await raw(d, 'POST', exec, auth(), JSON.stringify({ command: 'true', cwd: '/tmp\0' })),
        await raw(d, 'GET', `${base}/files/stream/read?path=%2Fetc%2Fpasswd%00`, auth()),
        await raw(d, 'GET', '/v1/sandboxes/hostile-input%00x', auth()),
      ];
      for (const r of answers) expect([r.status, r.code]).toEqual([400, 'VALIDATION_FAILED']);
      await alive();
      return '400 VALIDATION_FAILED before any work';
    },
  });

  attack(d.backend, {
    id: 'H-BODY-06',
    category: 'body',
    title: 'absurd sizes: limits, timeouts, output caps, id and path lengths, env counts',
    run: async () => {
      const env = Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`V${i}`, 'x']));
      const bodies: Array<[string, unknown]> = [
        ['/v1/sandboxes', { id: 'hostile-absurd', limits: { memoryMiB: 1e12 } }],
        ['/v1/sandboxes', { id: 'hostile-absurd', limits: { diskMiB: -1 } }],
        ['/v1/sandboxes', { id: 'x'.repeat(64) }],
        ['/v1/sandboxes', { id: 'hostile-absurd', env }],
        [exec, { command: 'true', timeout: 1e300 }],
        [exec, { command: 'true', outputLimit: 2 ** 53 }],
        ['/v1/sandboxes/hostile-input/files/read', { path: `/${'a'.repeat(5000)}` }],
      ];
      for (const [path, body] of bodies) {
        const r = await raw(d, 'POST', path, auth(), JSON.stringify(body));
        expect({ path, status: r.status, code: r.code }).toEqual({
          path,
          status: 400,
          code: 'VALIDATION_FAILED',
        });
      }
      expect((await adminOf(d).listSandboxes()).map((s) => s.id)).not.toContain('hostile-absurd');
      await alive();
      return '400 VALIDATION_FAILED, nothing created';
    },
  });

  attack(d.backend, {
    id: 'H-AUTH-02',
    category: 'auth',
    title: 'keys and env secrets in the daemon log (after all the calls above)',
    run: async () => {
      const secret = `hostile-secret-${Date.now()}`;
      await sb.exec('true', { env: { TOKEN: secret } });
      await raw(d, 'GET', '/v1/sandboxes', { authorization: `Bearer paddock_${secret}` });
      const log = readFileSync(d.logFile, 'utf8');
      expect(log.length).toBeGreaterThan(0);
      expect(log).not.toContain(d.apiKey);
      expect(log).not.toContain(tenantKey);
      expect(log).not.toContain(secret);
      expect(log).not.toMatch(/paddock_[A-Za-z0-9_-]{20,}/);
      return 'absent (admin, tenant and wrong keys; env values)';
    },
  });
});
