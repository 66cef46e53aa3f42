/**
 * The terminal through a real WebSocket against the real daemon, on a real backend: prompt and
 * I/O, resize, replay on reconnect, two watchers, session PTYs, and the refusals before upgrade.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { getSandbox, type Paddock, type Sandbox } from '@paddock/sdk';

interface Control {
  type: string;
  code?: number;
  signal?: string;
  message?: string;
}

interface Term {
  ws: WebSocket;
  controls: Control[];
  output: () => string;
  type: (text: string) => void;
  waitFor: (pattern: RegExp | ((c: Control[]) => boolean)) => Promise<void>;
}

const exited = (c: Control[]) => c.some((m) => m.type === 'exit');

function wsUrl(client: Paddock, id: string, query = ''): string {
  return `${client.url.replace(/^http/, 'ws')}/v1/sandboxes/${id}/pty${query}`;
}

function open(url: string, headers: Record<string, string>, protocols?: string[]): Promise<Term> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, protocols, { headers });
    const controls: Control[] = [];
    let out = '';
    const waiters = new Set<() => void>();
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (isBinary) out += data.toString('utf8');
      else controls.push(JSON.parse(data.toString('utf8')) as Control);
      for (const w of waiters) w();
    });
    ws.on('close', () => {
      for (const w of waiters) w();
    });
    ws.on('unexpected-response', (_req, res) => reject(new Error(`status ${res.statusCode}`)));
    ws.on('error', reject);
    const waitFor: Term['waitFor'] = (pattern) =>
      new Promise((res, rej) => {
        const test = () => (pattern instanceof RegExp ? pattern.test(out) : pattern(controls));
        const timer = setTimeout(() => {
          waiters.delete(check);
          rej(new Error(`timed out waiting for ${String(pattern)}; got ${JSON.stringify(out)}`));
        }, 20_000);
        const check = () => {
          if (!test()) return;
          clearTimeout(timer);
          waiters.delete(check);
          res();
        };
        waiters.add(check);
        check();
      });
    ws.on('open', () =>
      resolve({
        ws,
        controls,
        output: () => out,
        type: (text) => ws.send(Buffer.from(text), { binary: true }),
        waitFor,
      }),
    );
  });
}

export function describePty(ctx: () => { client: Paddock; apiKey: string }): void {
  describe('pty', () => {
    let sb: Sandbox;
    const auth = () => ({ authorization: `Bearer ${ctx().apiKey}` });
    const attach = (query = '') => open(wsUrl(ctx().client, 'conf-pty', query), auth());

    beforeAll(async () => {
      sb = getSandbox(ctx().client, 'conf-pty');
      await sb.exec('true');
    });
    afterAll(async () => {
      await sb?.destroy();
    });

    it('pty: shows a prompt, runs input, resizes and reports the exit code', async () => {
      const t = await attach('?session=&cols=80&rows=24');
      await t.waitFor((c) => c[0]?.type === 'ready');
      t.type('echo pty-$((40+2)); pwd; echo $TERM\r');
      await t.waitFor(/pty-42\r\n\/workspace\r\nxterm-256color\r\n/);
      t.ws.send(JSON.stringify({ type: 'resize', cols: 101, rows: 33 }));
      t.type('stty size\r');
      await t.waitFor(/33 101/);
      t.type('exit 5\r');
      await t.waitFor(exited);
      expect(t.controls.at(-1)).toEqual({ type: 'exit', code: 5 });
    });

    it('pty: replays output on reconnect and shows it to two watchers', async () => {
      const a = await attach();
      a.type('echo first-$((1+2))\r');
      await a.waitFor(/first-3/);
      a.ws.terminate();
      const b = await attach();
      const c = await attach();
      await Promise.all([b.waitFor(/first-3/), c.waitFor(/first-3/)]);
      c.type('echo second-$((2+5))\r');
      await Promise.all([b.waitFor(/second-7/), c.waitFor(/second-7/)]);
      b.type('exit\r');
      await Promise.all([b.waitFor(exited), c.waitFor(exited)]);
    });

    it('pty: sessions have their own terminal in their own cwd and env', async () => {
      await sb.exec('mkdir -p /workspace/ptydir');
      const s = await sb.createSession({
        id: 'tty',
        cwd: '/workspace/ptydir',
        env: { ONLY: 'tty' },
      });
      const t = await attach('?session=tty');
      const d = await attach();
      t.type('echo "[$ONLY $(pwd)]"\r');
      d.type('echo "[${ONLY:-none}]"\r');
      await t.waitFor(/\[tty \/workspace\/ptydir\]/);
      await d.waitFor(/\[none\]/);
      await sb.deleteSession(s.id);
      await t.waitFor(exited);
      expect(d.controls.some((m) => m.type === 'exit')).toBe(false);
      d.ws.close();
    });

    it('pty: accepts the key as a subprotocol, never needing it in the URL', async () => {
      const url = wsUrl(ctx().client, 'conf-pty');
      const t = await open(url, {}, ['paddock.pty', `paddock.key.${ctx().apiKey}`]);
      expect(t.ws.protocol).toBe('paddock.pty');
      await t.waitFor((c) => c[0]?.type === 'ready');
      t.ws.close();
    });

    it('pty: the SDK terminal types, resizes, replays and reports the exit', async () => {
      const term = await sb.terminal({ sessionId: undefined, cols: 70, rows: 20 });
      let out = '';
      term.onData((d) => (out += Buffer.from(d).toString('utf8')));
      const exit = new Promise((resolve) => term.onExit(resolve));
      term.resize(77, 22);
      term.write('stty size; echo sdk-$((3*3))\r');
      await expect.poll(() => out, { timeout: 20_000 }).toMatch(/22 77\r\n.*sdk-9/s);
      term.close();
      const again = await sb.terminal();
      let replay = '';
      again.onData((d) => (replay += Buffer.from(d).toString('utf8')));
      await expect.poll(() => replay, { timeout: 20_000 }).toMatch(/sdk-9/);
      again.write('exit 4\r');
      expect(await new Promise((resolve) => again.onExit(resolve))).toEqual({ code: 4 });
      expect(await Promise.race([exit, Promise.resolve('open')])).toBe('open');
    });

    it('pty: refuses plain HTTP (426), no key (401) and unknown sandboxes (404)', async () => {
      const base = ctx().client.url;
      expect((await fetch(`${base}/v1/sandboxes/conf-pty/pty`, { headers: auth() })).status).toBe(
        426,
      );
      await expect(open(wsUrl(ctx().client, 'conf-pty'), {})).rejects.toThrow('status 401');
      await expect(open(wsUrl(ctx().client, 'no-such-box'), auth())).rejects.toThrow('status 404');
      await expect(open(wsUrl(ctx().client, 'conf-pty', '?cols=0'), auth())).rejects.toThrow(
        'status 400',
      );
      const unknown = await fetch(`${base}/v1/sandboxes/no-such-box/pty`, { headers: auth() });
      expect(unknown.status).toBe(404);
      expect(((await unknown.json()) as { code: string }).code).toBe('SANDBOX_NOT_FOUND');
    });
  });
}
