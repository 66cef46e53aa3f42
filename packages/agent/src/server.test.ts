import { request } from 'node:http';
import { agentHealthSchema, AGENT_PROTOCOL_VERSION, parse } from '@paddock/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseListen } from './listen.js';
import { createAgentServer } from './server.js';
import { startTestAgent, type TestAgent } from './testing.js';
import { AGENT_VERSION } from './version.js';

let agent: TestAgent;
let small: TestAgent; // tiny body limit, for the 413 paths

beforeAll(async () => {
  agent = await startTestAgent();
  small = await startTestAgent({ maxBodyBytes: 1024 });
});
afterAll(async () => {
  await agent.close();
  await small.close();
});

/** A raw request, for what fetch will not send (a lying Content-Length). */
function rawPost(url: string, headers: Record<string, string>, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}/exec`, { method: 'POST', headers }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('auth', () => {
  it('refuses a request without a token', async () => {
    const r = await agent.call('/health', { auth: null });
    expect(r.status).toBe(401);
    expect(r.body.code).toBe('UNAUTHORIZED');
    expect(typeof r.body.message).toBe('string');
  });

  it('refuses a wrong token of the same and of another length', async () => {
    const same = 'x'.repeat(agent.token.length);
    expect((await agent.call('/health', { auth: same })).status).toBe(401);
    expect((await agent.call('/health', { auth: 'short' })).status).toBe(401);
    expect((await agent.call('/health', { auth: `${agent.token}x` })).status).toBe(401);
  });

  it('refuses the right token under another scheme', async () => {
    const res = await fetch(`${agent.url}/health`, {
      headers: { authorization: `Basic ${agent.token}` },
    });
    expect(res.status).toBe(401);
  });

  it('checks auth before routing, so unknown routes do not leak', async () => {
    const r = await agent.call('/nope', { auth: null });
    expect(r.status).toBe(401);
  });

  it('accepts the right token', async () => {
    expect((await agent.call('/health')).status).toBe(200);
  });

  it('refuses to create a server with an empty token', () => {
    expect(() => createAgentServer({ token: '' })).toThrow(/token/);
  });
});

describe('routes', () => {
  it('answers /health with protocol and agent version', async () => {
    const r = await agent.call('/health');
    expect(r.body).toEqual({
      status: 'ok',
      protocol: AGENT_PROTOCOL_VERSION,
      agentVersion: AGENT_VERSION,
    });
    expect(parse(agentHealthSchema, r.body).ok).toBe(true);
    expect(r.headers.get('content-type')).toMatch(/^application\/json/);
  });

  it('ignores a query string', async () => {
    expect((await agent.call('/health?probe=1')).status).toBe(200);
  });

  it('answers 404 ROUTE_NOT_FOUND for an unknown route', async () => {
    const r = await agent.call('/files/nope', { body: {} });
    expect(r.status).toBe(404);
    expect(r.body.code).toBe('ROUTE_NOT_FOUND');
  });

  it('answers 405 with Allow for a wrong method', async () => {
    const r = await agent.call('/exec', { method: 'GET' });
    expect(r.status).toBe(405);
    expect(r.body.code).toBe('METHOD_NOT_ALLOWED');
    expect(r.headers.get('allow')).toBe('POST');
    expect((await agent.call('/health', { method: 'POST', body: {} })).status).toBe(405);
  });
});

describe('request bodies', () => {
  it('answers 400 INVALID_JSON for malformed JSON', async () => {
    const r = await agent.call('/exec', { body: '{"command": "echo' });
    expect(r.status).toBe(400);
    expect(r.body.code).toBe('INVALID_JSON');
  });

  it('answers 400 INVALID_JSON for an empty body and for invalid UTF-8', async () => {
    expect((await agent.call('/exec', { method: 'POST' })).body.code).toBe('INVALID_JSON');
    const bad = Buffer.from([0x7b, 0xff, 0xfe, 0x7d]);
    expect((await agent.call('/exec', { body: bad })).body.code).toBe('INVALID_JSON');
  });

  it('answers 400 VALIDATION_FAILED naming an unknown field', async () => {
    const r = await agent.call('/exec', { body: { command: 'true', bogus: 1 } });
    expect(r.status).toBe(400);
    expect(r.body.code).toBe('VALIDATION_FAILED');
    expect(r.body.message).toContain('body.bogus is not a known field');
  });

  it('names a field of the wrong type', async () => {
    const r = await agent.call('/exec', { body: { command: 'true', timeout: 1.5 } });
    expect(r.status).toBe(400);
    expect(r.body.message).toContain('body.timeout must be an integer');
  });

  it('refuses a non-object body', async () => {
    const r = await agent.call('/files/read', { body: [] });
    expect(r.status).toBe(400);
    expect(r.body.code).toBe('VALIDATION_FAILED');
  });

  it('answers 413 for a body over the limit, then keeps serving', async () => {
    const r = await small.call('/files/write', { body: { path: 'a', content: 'x'.repeat(4096) } });
    expect(r.status).toBe(413);
    expect(r.body.code).toBe('PAYLOAD_TOO_LARGE');
    expect((await small.call('/health')).status).toBe(200);
  });

  it('answers 413 for a streamed (chunked) body past the limit', async () => {
    const chunk = new TextEncoder().encode('x'.repeat(512));
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent++ < 8) controller.enqueue(chunk);
        else controller.close();
      },
    });
    const init = {
      method: 'POST',
      headers: { authorization: `Bearer ${small.token}` },
      body,
      duplex: 'half',
    } as RequestInit;
    const res = await fetch(`${small.url}/exec`, init);
    expect(res.status).toBe(413);
    await res.body?.cancel();
  });

  it('refuses a declared Content-Length over the default 64 MiB without reading it', async () => {
    const headers = {
      authorization: `Bearer ${agent.token}`,
      'content-length': String(64 * 1024 * 1024 + 1),
    };
    // Only a few bytes are sent: the agent must answer from the header alone.
    expect(await rawPost(agent.url, headers, '{}')).toBe(413);
  });
});

describe('parseListen', () => {
  it('parses host:port and [v6]:port', () => {
    expect(parseListen('0.0.0.0:49983')).toEqual({ host: '0.0.0.0', port: 49983 });
    expect(parseListen('[::]:80')).toEqual({ host: '::', port: 80 });
    expect(parseListen('127.0.0.1:0')).toEqual({ host: '127.0.0.1', port: 0 });
  });

  it('refuses anything else', () => {
    for (const bad of ['49983', ':1', 'host:', 'host:70000', 'host:1x', 'host:-1']) {
      expect(parseListen(bad)).toBeUndefined();
    }
  });
});
