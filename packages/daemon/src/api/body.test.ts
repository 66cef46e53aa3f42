import { Readable } from 'node:stream';
import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { PaddockError } from '@paddock/protocol';
import { checkMediaType, readJsonBody } from './body.js';

function req(body: Buffer | string, headers: Record<string, string> = {}): IncomingMessage {
  const r = Readable.from([Buffer.from(body)]) as unknown as IncomingMessage;
  r.headers = headers;
  return r;
}

const codeOf = (e: unknown) => (e instanceof PaddockError ? e.code : String(e));

describe('readJsonBody', () => {
  it('parses JSON sent as application/json or with no content type', async () => {
    expect(
      await readJsonBody(req('{"a":"é"}', { 'content-type': 'application/json' }), 100),
    ).toEqual({ a: 'é' });
    expect(await readJsonBody(req('{"a":1}'), 100)).toEqual({ a: 1 });
    expect(
      await readJsonBody(req('', { 'content-type': 'Application/JSON; charset=utf-8' }), 100),
    ).toEqual({});
  });

  it('refuses invalid UTF-8 rather than replacing it', async () => {
    const bad = Buffer.concat([
      Buffer.from('{"a":"'),
      Buffer.from([0xff, 0xfe]),
      Buffer.from('"}'),
    ]);
    const err = await readJsonBody(req(bad), 100).catch((e: unknown) => e);
    expect(codeOf(err)).toBe('INVALID_JSON');
    expect((err as Error).message).toMatch(/UTF-8/);
  });

  it('refuses other media types before reading, and bodies over the limit', async () => {
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data']) {
      expect(() => checkMediaType(type)).toThrow(/application\/json/);
      const err = await readJsonBody(req('{}', { 'content-type': type }), 100).catch(
        (e: unknown) => e,
      );
      expect(codeOf(err)).toBe('UNSUPPORTED_MEDIA_TYPE');
    }
    const big = await readJsonBody(req('{"a":"0123456789"}'), 5).catch((e: unknown) => e);
    expect(codeOf(big)).toBe('PAYLOAD_TOO_LARGE');
  });
});
