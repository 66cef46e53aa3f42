/**
 * Tenant B attacking tenant A's sandbox on every backend, through every route of the live
 * daemon's OpenAPI document (so new routes are covered without editing this file), every SSE
 * stream and the PTY WebSocket: each answer must be identical (status, content type, body with
 * the id replaced) to the answer for a sandbox that does not exist, and A's sandbox must be
 * untouched afterwards. Response times of both are printed, not asserted.
 */
import { afterAll, beforeAll, describe, expect } from 'vitest';
import WebSocket from 'ws';
import { getSandbox, type Paddock, type Sandbox } from '@paddock/sdk';
import { attack } from './results.js';
import { daemons, tenant, type HostileDaemon } from './kit.js';
import { sandboxRoutes, type RouteCall } from './openapi-walk.js';

const A_ID = 'hostile-tenant-box';
const NONE_ID = 'hostile-never-made';

interface Answer {
  text: string;
  ms: number;
}

const normalise = (s: string, id: string) =>
  s
    .split(id)
    .join('{id}')
    .replace(/"ms":\d+/g, '');

async function ask(call: RouteCall, id: string, key: string): Promise<Answer> {
  const started = performance.now();
  const res = await fetch(call.url(id), {
    method: call.method,
    headers: {
      authorization: `Bearer ${key}`,
      ...(call.contentType ? { 'content-type': call.contentType } : {}),
    },
    body: call.body,
  });
  const body = await res.text();
  const ms = performance.now() - started;
  const type = res.headers.get('content-type') ?? '';
  return { text: normalise(`${res.status} ${type} ${body}`, id), ms };
}

function askWs(call: RouteCall, id: string, key: string): Promise<Answer> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(call.url(id).replace(/^http/, 'ws'), ['paddock.pty'], {
      headers: { authorization: `Bearer ${key}` },
    });
    ws.on('open', () => {
      ws.close();
      reject(new Error(`the terminal of ${id} opened for another tenant`));
    });
    ws.on('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => {
        const text = normalise(`${res.statusCode} ${res.headers['content-type']} ${body}`, id);
        resolve({ text, ms: performance.now() - started });
      });
    });
    ws.on('error', () => undefined);
  });
}

describe.each(daemons())('tenancy: $backend', (d: HostileDaemon) => {
  let a: Paddock;
  let aKey: string;
  let bKey: string;
  let box: Sandbox;
  let routes: RouteCall[];

  beforeAll(async () => {
    const ta = await tenant(d, 'hostile-a');
    a = ta.client;
    aKey = ta.key;
    bKey = (await tenant(d, 'hostile-b')).key;
    box = getSandbox(a, A_ID);
    await box.writeFile('/workspace/marker', 'tenant-a');
    // Real objects behind the sample ids the route walk uses ('x1'), so B aims at them.
    await box.createSession({ id: 'x1' });
    await box.startProcess('sleep 600', { processId: 'x1' });
    routes = await sandboxRoutes(d.url);
  });

  afterAll(async () => {
    await box?.destroy();
  });

  const compare = async (calls: RouteCall[], via: typeof ask) => {
    const slower: number[] = [];
    for (const call of calls) {
      const other = await via(call, A_ID, bKey);
      const none = await via(call, NONE_ID, bKey);
      expect({ route: `${call.method} ${call.path}`, answer: other.text }).toEqual({
        route: `${call.method} ${call.path}`,
        answer: none.text,
      });
      // The lookup itself answered, not an earlier check (a body the walk got wrong).
      expect({ route: `${call.method} ${call.path}`, answer: other.text }).toMatchObject({
        answer: expect.stringMatching(/^404 .*"code":"SANDBOX_NOT_FOUND"/),
      });
      slower.push(other.ms - none.ms);
    }
    return slower;
  };

  attack(d.backend, {
    id: 'H-TEN-01',
    category: 'tenancy',
    title: "tenant B uses tenant A's sandbox id on every HTTP route in /v1/openapi.json",
    run: async () => {
      const http = routes.filter((r) => !r.websocket);
      expect(http.length).toBeGreaterThan(30);
      const deltas = await compare(http, ask);
      const first = await ask(http[0] as RouteCall, A_ID, bKey);
      expect(first.text).toMatch(/^404 application\/json.*"code":"SANDBOX_NOT_FOUND"/);
      const mean = deltas.reduce((s, x) => s + x, 0) / deltas.length;
      console.log(
        `[${d.backend}] other tenant minus missing, mean over ${deltas.length} routes: ${mean.toFixed(2)} ms`,
      );
      return `${http.length} routes: identical to a missing sandbox (404 SANDBOX_NOT_FOUND)`;
    },
  });

  attack(d.backend, {
    id: 'H-TEN-02',
    category: 'tenancy',
    title: "tenant B opens tenant A's SSE streams (exec, process logs, file watch)",
    run: async () => {
      const sse = routes.filter((r) => r.sse);
      expect(sse.length).toBeGreaterThanOrEqual(3);
      await compare(sse, ask);
      for (const call of sse) {
        const other = await ask(call, A_ID, bKey);
        expect(other.text).not.toMatch(/event: (start|stdout|stderr|complete|change)/);
      }
      return `${sse.length} streams: identical 404, no event`;
    },
  });

  attack(d.backend, {
    id: 'H-TEN-03',
    category: 'tenancy',
    title: "tenant B opens tenant A's terminal (PTY WebSocket)",
    run: async () => {
      const pty = routes.filter((r) => r.websocket);
      expect(pty.length).toBe(1);
      await compare(pty, askWs);
      const other = await askWs(pty[0] as RouteCall, A_ID, bKey);
      expect(other.text).toMatch(/^404 application\/json.*SANDBOX_NOT_FOUND/);
      return 'refused before the upgrade: identical 404 SANDBOX_NOT_FOUND';
    },
  });

  attack(d.backend, {
    id: 'H-TEN-04',
    category: 'tenancy',
    title: "tenant A's sandbox after all of tenant B's calls (incl. DELETE, kill, writes)",
    run: async () => {
      expect((await box.info()).state).toBe('running');
      expect((await box.readFile('/workspace/marker')).content).toBe('tenant-a');
      expect((await box.exists('/workspace/hostile')).exists).toBe(false);
      expect((await box.getProcess('x1'))?.status).toBe('running');
      const session = await fetch(`${d.url}/v1/sandboxes/${A_ID}/sessions/x1`, {
        headers: { authorization: `Bearer ${aKey}` },
      });
      expect(session.status).toBe(200);
      return 'running; files, session and process untouched';
    },
  });
});
