import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startTestAgent, type TestAgent } from './testing.js';

const NEW_TOKEN = 'n'.repeat(43);

describe('claim (warm-pool hand-over)', () => {
  let agent: TestAgent;
  afterEach(() => agent.close());

  it('swaps the token: the old one is refused, the new one accepted', async () => {
    agent = await startTestAgent();
    const r = await agent.call('/claim', {
      body: { token: NEW_TOKEN, hostname: 'sb-one', setHostname: true },
    });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ hostnameSet: false });
    expect((await agent.call('/health')).status).toBe(401);
    expect((await agent.call('/health', { auth: NEW_TOKEN })).status).toBe(200);
  });

  it('writes the new name for 127.0.1.1 in place of the old one', async () => {
    agent = await startTestAgent();
    const hosts = join(agent.workspace, 'hosts');
    writeFileSync(hosts, '127.0.0.1\tlocalhost\n127.0.1.1\tpool-abc\n');
    await agent.call('/claim', {
      body: { token: NEW_TOKEN, hostname: 'sb-two', setHostname: false },
    });
    expect(readFileSync(hosts, 'utf8')).toBe('127.0.0.1\tlocalhost\n127.0.1.1\tsb-two\n');
  });

  it('refuses a second claim, even with the new token', async () => {
    agent = await startTestAgent();
    await agent.call('/claim', {
      body: { token: NEW_TOKEN, hostname: 'sb-a', setHostname: false },
    });
    const again = await agent.call('/claim', {
      body: { token: 'm'.repeat(43), hostname: 'sb-b', setHostname: false },
      auth: NEW_TOKEN,
    });
    expect(again.status).toBe(409);
    expect((await agent.call('/health', { auth: NEW_TOKEN })).status).toBe(200);
  });

  it('refuses a claim without the current token and a short new token', async () => {
    agent = await startTestAgent();
    const body = { token: NEW_TOKEN, hostname: 'sb-c', setHostname: false };
    expect((await agent.call('/claim', { body, auth: 'wrong-token-xxxxxxxxx' })).status).toBe(401);
    const short = await agent.call('/claim', {
      body: { token: 'short', hostname: 'sb-c', setHostname: false },
    });
    expect(short.status).toBe(400);
    expect((await agent.call('/health')).status).toBe(200);
  });
});
