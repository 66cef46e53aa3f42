import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Paddock } from './client.js';
import { API_KEY, FakeDaemon, sandboxInfo } from './fake-daemon.test.helper.js';
import { setNetworkPolicy } from './network.js';
import { getSandbox } from './sandbox.js';

let daemon: FakeDaemon;
let paddock: Paddock;

beforeAll(async () => {
  daemon = await FakeDaemon.start();
  paddock = new Paddock({ url: daemon.url, apiKey: API_KEY });
});
afterAll(() => daemon.close());

describe('egress policy in the SDK', () => {
  it('creates with the network option and PUTs a new policy, returning the one in force', async () => {
    const network = { internet: true, allow: [], deny: ['example.com'] };
    daemon.override = (rec, id) =>
      rec.method === 'PUT' ? { status: 200, body: { ...sandboxInfo(id), network } } : undefined;
    const sb = getSandbox(paddock, 'net', { network: { allow: ['registry.npmjs.org'] } });
    expect(await sb.setNetworkPolicy({ internet: true, deny: ['example.com'] })).toEqual(network);
    expect(daemon.requests[0]).toMatchObject({
      method: 'POST',
      body: { id: 'net', network: { allow: ['registry.npmjs.org'] } },
    });
    expect(daemon.requests[1]).toMatchObject({
      method: 'PUT',
      path: '/v1/sandboxes/net/network',
      body: { internet: true, deny: ['example.com'] },
    });
    expect(await setNetworkPolicy(paddock, 'net', {})).toEqual(network);
  });
});
