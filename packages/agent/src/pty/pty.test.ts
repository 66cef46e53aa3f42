import { request } from 'node:http';
import type { Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  FRAME_DATA,
  FrameDecoder,
  encodeControl,
  encodeFrame,
  parseControl,
  ptyServerControlSchema,
  type PtyServerControl,
} from '@paddock/protocol';
import { startTestAgent, type TestAgent } from '../testing.js';

interface Attached {
  socket: Socket;
  controls: PtyServerControl[];
  output: () => string;
  type: (text: string) => void;
  resize: (cols: number, rows: number) => void;
  waitFor: (pattern: RegExp | ((c: PtyServerControl[]) => boolean)) => Promise<void>;
}

function attach(agent: TestAgent, query = '', token = agent.token): Promise<Attached> {
  const url = new URL(`/pty/attach${query}`, agent.url);
  return new Promise((resolve, reject) => {
    const req = request(url, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, connection: 'Upgrade', upgrade: 'paddock-pty' },
    });
    req.on('response', (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => reject(new Error(`${res.statusCode} ${body}`)));
    });
    req.on('upgrade', (_res, socket: Socket, head: Buffer) => resolve(wrap(socket, head)));
    req.on('error', reject);
    req.end();
  });
}

function wrap(socket: Socket, head: Buffer): Attached {
  const decoder = new FrameDecoder();
  const controls: PtyServerControl[] = [];
  let out = '';
  const waiters = new Set<() => void>();
  const onChunk = (chunk: Buffer) => {
    for (const f of decoder.push(chunk)) {
      if (f.kind === FRAME_DATA) out += Buffer.from(f.payload).toString('utf8');
      else {
        const r = parseControl(ptyServerControlSchema, Buffer.from(f.payload).toString('utf8'));
        if (!r.ok) throw new Error(r.issue.message);
        controls.push(r.value);
      }
    }
    for (const w of waiters) w();
  };
  socket.on('data', onChunk);
  if (head.length > 0) onChunk(head);
  const waitFor: Attached['waitFor'] = (pattern) =>
    new Promise((resolve, reject) => {
      const test = () => (pattern instanceof RegExp ? pattern.test(out) : pattern(controls));
      if (test()) return resolve();
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`timed out waiting for ${String(pattern)}; got ${JSON.stringify(out)}`));
      }, 10_000);
      const check = () => {
        if (!test()) return;
        clearTimeout(timer);
        waiters.delete(check);
        resolve();
      };
      waiters.add(check);
    });
  return {
    socket,
    controls,
    output: () => out,
    type: (text) => socket.write(encodeFrame(FRAME_DATA, Buffer.from(text))),
    resize: (cols, rows) => socket.write(encodeControl({ type: 'resize', cols, rows })),
    waitFor,
  };
}

const exited = (c: PtyServerControl[]) => c.some((m) => m.type === 'exit');

describe('agent pty', () => {
  let agent: TestAgent;
  beforeAll(async () => {
    agent = await startTestAgent({ env: { PATH: process.env['PATH'] ?? '', HOME: '/tmp' } });
  });
  afterAll(async () => {
    await agent?.close();
  });

  it('runs a shell: ready, echo, resize, exit code', async () => {
    const t = await attach(agent, '?session=&cols=80&rows=24');
    await t.waitFor((c) => c[0]?.type === 'ready');
    t.type('echo hi-$((40+2))\r');
    await t.waitFor(/hi-42/);
    t.resize(100, 33);
    t.type('stty size; echo $TERM; pwd\r');
    await t.waitFor(/33 100\r\nxterm-256color\r\n/);
    expect(t.output()).toContain(agent.workspace);
    t.type('exit 3\r');
    await t.waitFor(exited);
    expect(t.controls.at(-1)).toEqual({ type: 'exit', code: 3 });
  });

  it('replays the ring on reconnect and shows output to every client', async () => {
    const a = await attach(agent, '?session=');
    a.type('echo one-$((1+1))\r');
    await a.waitFor(/one-2/);
    a.socket.destroy();
    const b = await attach(agent);
    await b.waitFor(/one-2/);
    const c = await attach(agent);
    await c.waitFor(/one-2/);
    b.type('echo two-$((2+2))\r');
    await Promise.all([b.waitFor(/two-4/), c.waitFor(/two-4/)]);
    b.type('kill -9 $$\r');
    await Promise.all([b.waitFor(exited), c.waitFor(exited)]);
    expect(c.controls.at(-1)).toEqual({ type: 'exit', code: 137, signal: 'SIGKILL' });
  });

  it("uses a session's cwd and env; deleting the session ends its terminal", async () => {
    await agent.call('/sessions/create', {
      body: { id: 'dev', cwd: '.', env: { ONLY_DEV: 'yes' } },
    });
    const t = await attach(agent, '?session=dev&cols=90&rows=20');
    t.type('echo "[$ONLY_DEV]"; sleep 1000 &\r');
    await t.waitFor(/\[yes\]/);
    const other = await attach(agent);
    other.type('echo "[${ONLY_DEV:-none}]"\r');
    await other.waitFor(/\[none\]/);
    const r = await agent.call('/sessions/delete', { body: { sessionId: 'dev' } });
    expect(r.status).toBe(200);
    await t.waitFor(exited);
    expect(other.controls.some((m) => m.type === 'exit')).toBe(false);
    other.socket.destroy();
  });

  it('refuses a wrong token, an unknown session and bad sizes before upgrading', async () => {
    await expect(attach(agent, '', 'wrong-token-0123456789')).rejects.toThrow(/^401/);
    await expect(attach(agent, '?session=nope')).rejects.toThrow(/^404 .*SESSION_NOT_FOUND/);
    await expect(attach(agent, '?cols=0')).rejects.toThrow(/^400/);
  });

  it('answers a malformed frame with an error and hangs up', async () => {
    const t = await attach(agent);
    t.socket.write(Buffer.from([7, 0, 0, 0, 0]));
    await t.waitFor((c) => c.some((m) => m.type === 'error'));
    await new Promise((r) => t.socket.once('close', r));
  });
});
