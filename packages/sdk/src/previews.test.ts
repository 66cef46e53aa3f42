import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Paddock } from './client.js';
import { API_KEY, FakeDaemon, sandboxInfo } from './fake-daemon.test.helper.js';
import { getSandbox } from './sandbox.js';

let daemon: FakeDaemon;
let paddock: Paddock;

beforeAll(async () => {
  daemon = await FakeDaemon.start();
  paddock = new Paddock({ url: daemon.url, apiKey: API_KEY });
  daemon.sandboxes.set('web', sandboxInfo('web'));
  daemon.override = (r) => {
    if (r.path.endsWith('/grants')) {
      return { status: 201, body: { url: '/__paddock/login?exp=1&sig=s', expiresAt: 'e' } };
    }
    if (r.path.includes('/ports'))
      return { status: 200, body: { ports: [], port: 1, unexposed: true } };
    return undefined;
  };
});
afterAll(() => daemon.close());

describe('preview calls', () => {
  it('send the documented routes and bodies', async () => {
    const sb = getSandbox(paddock, 'web', { createIfMissing: false });
    await sb.exposePort(8080, { name: 'w', access: 'private', expiresIn: 60 });
    await sb.getExposedPorts();
    await sb.unexposePort(8080);
    await sb.createPreviewLink(8080, 600);
    const calls = daemon.requests.map((r) => [r.method, r.path, r.body]);
    expect(calls).toEqual([
      [
        'POST',
        '/v1/sandboxes/web/ports',
        { port: 8080, name: 'w', access: 'private', expiresIn: 60 },
      ],
      ['GET', '/v1/sandboxes/web/ports', {}],
      ['DELETE', '/v1/sandboxes/web/ports/8080', {}],
      ['POST', '/v1/sandboxes/web/ports/8080/grants', { kind: 'link', expiresIn: 600 }],
    ]);
  });

  it('puts the login path under the preview URL, host or path form', async () => {
    const sb = getSandbox(paddock, 'web', { createIfMissing: false });
    expect(await sb.previewLoginUrl(8080, 'http://8080-web-tok.localhost:7071/')).toBe(
      'http://8080-web-tok.localhost:7071/__paddock/login?exp=1&sig=s',
    );
    expect(await sb.previewLoginUrl(8080, 'http://127.0.0.1:7072/web/8080/tok/')).toBe(
      'http://127.0.0.1:7072/web/8080/tok/__paddock/login?exp=1&sig=s',
    );
  });
});
