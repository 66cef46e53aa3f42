import { describe, expect, it } from 'vitest';
import { cookieOf, requestHeaders, responseHeaders, withoutPreviewCookie } from './headers.js';
import {
  base32,
  cookieValue,
  linkToken,
  mac,
  macMatches,
  newPreviewToken,
  splitSigned,
} from './sign.js';
import { targetFromHost, targetFromPath } from './target.js';

const TOKEN = 'abcdefghijklmnopqrstuvwxyz';

describe('targetFromHost', () => {
  it('reads port, id (hyphens included) and the token after the last hyphen', () => {
    const t = targetFromHost(`8080-sb-my-app-${TOKEN}.localhost:7071`, '/a?b=1');
    expect(t).toEqual({
      port: 8080,
      sandboxId: 'sb-my-app',
      token: TOKEN,
      path: '/a?b=1',
      base: '/',
      publicHost: '8080-sb-my-app.localhost:7071',
    });
  });

  it('is case-insensitive and accepts any domain below the label', () => {
    expect(targetFromHost(`3000-A-${TOKEN.toUpperCase()}.Preview.Example.com`, '/')?.token).toBe(
      TOKEN,
    );
  });

  it('refuses malformed hosts', () => {
    for (const host of [
      undefined,
      '',
      'localhost',
      `8080-${TOKEN}.localhost`, // no id
      `0-a-${TOKEN}.localhost`,
      `99999-a-${TOKEN}.localhost`,
      `8080-a-${TOKEN}`, // no domain
      `8080--a-${TOKEN}.localhost`,
      `8080-a-b%2f-${TOKEN}.localhost`,
      `8080-a-${TOKEN}.local host`,
    ]) {
      expect(targetFromHost(host, '/')).toBeUndefined();
    }
    expect(targetFromHost(`8080-a-${TOKEN}.localhost`, 'http://other/')).toBeUndefined();
  });
});

describe('targetFromPath', () => {
  it('reads /{id}/{port}/{token}/ and forwards the rest with the query', () => {
    expect(targetFromPath(`/sb-1/8080/${TOKEN}/x/y?z=1`, 'h:7072')).toEqual({
      port: 8080,
      sandboxId: 'sb-1',
      token: TOKEN,
      path: '/x/y?z=1',
      base: `/sb-1/8080/${TOKEN}/`,
      publicHost: 'h:7072',
    });
    expect(targetFromPath(`/sb-1/8080/${TOKEN}`, undefined)?.path).toBe('/');
  });

  it('refuses other paths', () => {
    for (const p of [
      '/',
      '/sb-1/8080',
      `/sb-1/abc/${TOKEN}/`,
      `/-x/8080/${TOKEN}/`,
      `/a/70000/${TOKEN}/`,
    ]) {
      expect(targetFromPath(p, undefined)).toBeUndefined();
    }
  });
});

describe('request headers towards the sandbox', () => {
  const ctx = {
    clientIp: '127.0.0.1',
    publicHost: '8080-a.localhost:7071',
    upstreamHost: 'localhost:8080',
    redactions: [
      [`-${TOKEN}`, ''],
      [`/${TOKEN}`, ''],
      [TOKEN, ''],
    ] as const,
    upgrade: false,
  };

  it('drops credentials, hop-by-hop and client X-Forwarded-*, sets its own', () => {
    const out = requestHeaders(
      {
        host: `8080-a-${TOKEN}.localhost:7071`,
        authorization: 'Bearer paddock_secret',
        'proxy-authorization': 'Basic x',
        connection: 'keep-alive, x-drop-me',
        'x-drop-me': '1',
        'keep-alive': 'timeout=5',
        'transfer-encoding': 'chunked',
        te: 'trailers',
        upgrade: 'h2c',
        'x-forwarded-for': '6.6.6.6',
        'x-forwarded-host': 'evil',
        forwarded: 'for=6.6.6.6',
        cookie: 'paddock_preview=sig; app=1',
        origin: `http://8080-a-${TOKEN}.localhost:7071`,
        referer: `http://h/a/8080/${TOKEN}/page`,
        accept: 'text/html',
        'x-custom': `has ${TOKEN} inside`,
      },
      ctx,
    );
    expect(out).toEqual({
      host: 'localhost:8080',
      cookie: 'app=1',
      origin: 'http://8080-a.localhost:7071',
      referer: 'http://h/a/8080/page',
      accept: 'text/html',
      'x-custom': 'has  inside',
      'x-forwarded-for': '127.0.0.1',
      'x-forwarded-host': '8080-a.localhost:7071',
      'x-forwarded-proto': 'http',
    });
  });

  it('keeps the upgrade pair of a WebSocket and drops a cookie header left empty', () => {
    const out = requestHeaders(
      {
        connection: 'Upgrade',
        upgrade: 'websocket',
        cookie: 'paddock_preview=x',
        'sec-websocket-key': 'k',
      },
      { ...ctx, upgrade: true },
    );
    expect(out['connection']).toBe('Upgrade');
    expect(out['upgrade']).toBe('websocket');
    expect(out['cookie']).toBeUndefined();
    expect(out['sec-websocket-key']).toBe('k');
  });

  it('never sends a header that still holds a secret, in any case', () => {
    const out = requestHeaders(
      { 'x-a': 'SECRETVALUE' },
      { ...ctx, redactions: [['secretvalue', 'x']] },
    );
    expect(out['x-a']).toBeUndefined();
  });
});

describe('response headers towards the client', () => {
  it("strips hop-by-hop headers and the sandbox's attempts to set the platform cookie", () => {
    const out = responseHeaders({
      'content-type': 'text/plain',
      connection: 'close',
      'transfer-encoding': 'chunked',
      location: 'http://localhost:8080/x',
      'set-cookie': ['paddock_preview=evil; Path=/', 'app=2'],
    });
    expect(out).toEqual({
      'content-type': 'text/plain',
      location: 'http://localhost:8080/x',
      'set-cookie': ['app=2'],
    });
  });
});

describe('cookies', () => {
  it('finds and removes the preview cookie', () => {
    expect(cookieOf('a=1; paddock_preview=v.w ; b=2', 'paddock_preview')).toBe('v.w');
    expect(cookieOf('a=1', 'paddock_preview')).toBeUndefined();
    expect(withoutPreviewCookie('a=1; paddock_preview=x; PADDOCK_PREVIEW2=y;b=2')).toBe('a=1; b=2');
  });
});

describe('signing', () => {
  const secret = Buffer.alloc(32, 7);
  const bound = { tenant: 't', sandboxId: 'a', port: 8080, tokenHash: 'h' };

  it('base32 follows RFC 4648 (lowercase, unpadded)', () => {
    expect(base32(Buffer.from('foobar'))).toBe('mzxw6ytboi');
    expect(base32(Buffer.from(''))).toBe('');
    expect(newPreviewToken()).toMatch(/^[a-z2-7]{26}$/);
    expect(newPreviewToken()).not.toBe(newPreviewToken());
  });

  it('binds a MAC to purpose, preview, token hash and expiry', () => {
    const m = mac(secret, 'link', bound, 100);
    expect(m).toMatch(/^[a-z2-7]{26}$/);
    expect(macMatches(secret, 'link', bound, 100, m)).toBe(true);
    expect(macMatches(secret, 'cookie', bound, 100, m)).toBe(false);
    expect(macMatches(secret, 'link', bound, 101, m)).toBe(false);
    expect(macMatches(secret, 'link', { ...bound, port: 8081 }, 100, m)).toBe(false);
    expect(macMatches(secret, 'link', { ...bound, tokenHash: 'g' }, 100, m)).toBe(false);
    expect(macMatches(secret, 'link', { ...bound, tenant: 'u' }, 100, m)).toBe(false);
    expect(macMatches(Buffer.alloc(32, 8), 'link', bound, 100, m)).toBe(false);
    expect(macMatches(secret, 'link', bound, 100, m.slice(1))).toBe(false);
  });

  it('link tokens and cookie values split back into expiry and MAC', () => {
    const link = linkToken(secret, bound, 1_900_000_000);
    expect(link).toMatch(/^[0-9a-z]+_[a-z2-7]{26}$/);
    expect(splitSigned(link, '_')).toEqual({ exp: 1_900_000_000, mac: link.split('_')[1] });
    const cookie = cookieValue(secret, bound, 5);
    expect(splitSigned(cookie, '.')?.exp).toBe(5);
    for (const bad of [
      '',
      '_x',
      `abc_${'a'.repeat(25)}`,
      `ABC_${'a'.repeat(26)}`,
      `123456789_${'a'.repeat(26)}`,
    ]) {
      expect(splitSigned(bad, '_')).toBeUndefined();
    }
  });
});
