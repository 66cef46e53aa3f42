/**
 * The code interpreter and git checkout through the SDK, on a real daemon and agent. Git servers
 * run inside the sandbox under test (its own network namespace) on 127.0.0.1: a small Python
 * server in front of `git http-backend`, with basic auth under /private. Nothing leaves it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  PaddockError,
  getSandbox,
  type CodeEvent,
  type Paddock,
  type RichResult,
  type Sandbox,
} from '@paddock/sdk';

export interface InterpreterContext {
  client: Paddock;
  /** The daemon's log lines so far (checked for leaked credentials). */
  log: () => string;
}

async function errorOf(p: Promise<unknown>): Promise<PaddockError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  if (!PaddockError.is(e)) throw new Error(`expected a PaddockError, got ${String(e)}`);
  return e;
}

/** Width and height from a PNG's IHDR chunk, after checking the signature. */
function pngSize(base64: string): { width: number; height: number } {
  const png = Buffer.from(base64, 'base64');
  expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  expect(png.subarray(12, 16).toString('ascii')).toBe('IHDR');
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

export function describeInterpreter(ctx: () => InterpreterContext): void {
  describe('code interpreter', () => {
    let sb: Sandbox;
    beforeAll(async () => {
      sb = getSandbox(ctx().client, 'conf-code', { limits: { memoryMiB: 1024, pids: 512 } });
      await sb.exec('true');
    });
    afterAll(async () => {
      await sb?.destroy();
    });

    it('keeps state within a context and never across contexts', async () => {
      const [a, b] = await Promise.all([
        sb.createCodeContext({ language: 'python' }),
        sb.createCodeContext({ language: 'python' }),
      ]);
      await sb.runCode('import math\nsecret = 41\ndef bump(v):\n    return v + 1', { context: a });
      const seen: string[] = [];
      const r = await sb.runCode('print("hello")\nbump(secret)', {
        context: a,
        onStdout: (d) => seen.push(d),
      });
      expect(r.logs.stdout.join('')).toBe('hello\n');
      expect(seen.join('')).toBe('hello\n');
      expect(r.results).toEqual([{ text: '42' }]);
      expect(r.error).toBeUndefined();
      const other = await sb.runCode('secret', { context: b });
      expect(other.error).toMatchObject({ name: 'NameError' });
      const ids = (await sb.listCodeContexts()).map((c) => c.id);
      expect(ids).toEqual(expect.arrayContaining([a.id, b.id]));
      await sb.deleteCodeContext(b);
      const gone = await errorOf(sb.runCode('1', { context: b.id }));
      expect(gone.code).toBe('CONTEXT_NOT_FOUND');
    });

    it('returns a matplotlib figure as a PNG and a DataFrame as html', async () => {
      const ctxA = await sb.createCodeContext({ language: 'python' });
      const results: RichResult[] = [];
      const r = await sb.runCode(
        [
          'import pandas as pd, matplotlib.pyplot as plt',
          'df = pd.DataFrame({"city": ["Oslo", "Lima"], "temp": [3.5, 19.0]})',
          'fig, ax = plt.subplots(figsize=(4, 3), dpi=100)',
          'ax.bar(df["city"], df["temp"])',
          'df',
        ].join('\n'),
        { context: ctxA, onResult: (x) => results.push(x), timeout: 120_000 },
      );
      expect(r.error).toBeUndefined();
      expect(results).toEqual(r.results);
      const table = r.results.find((x) => x.html !== undefined);
      expect(table?.html).toMatch(/<table[\s\S]*Oslo[\s\S]*19\.0/);
      expect(table?.text).toContain('Lima');
      const chart = r.results.find((x) => x.png !== undefined);
      const { width, height } = pngSize(chart?.png ?? '');
      expect(width).toBeGreaterThan(200);
      expect(height).toBeGreaterThan(150);
      expect(width).toBeLessThanOrEqual(400);
      // Figures are closed once returned: the next run brings no stale chart.
      expect((await sb.runCode('1 + 1', { context: ctxA })).results).toEqual([{ text: '2' }]);
    });

    it('returns syntax and runtime errors as results with a traceback', async () => {
      const syntax = await sb.runCode('def broken(:\n    pass');
      expect(syntax.error?.name).toBe('SyntaxError');
      expect(syntax.error?.traceback.join('')).toContain('def broken(:');
      const errors: string[] = [];
      const runtime = await sb.runCode('def inner():\n    raise ValueError("bad value")\ninner()', {
        onError: (e) => errors.push(e.name),
      });
      expect(runtime.error).toMatchObject({ name: 'ValueError', message: 'bad value' });
      expect(runtime.error?.traceback.join('')).toContain('raise ValueError("bad value")');
      expect(errors).toEqual(['ValueError']);
    });

    it('interrupts a run at its timeout; the context keeps its state', async () => {
      const c = await sb.createCodeContext({ language: 'python' });
      await sb.runCode('kept = "still here"', { context: c });
      const err = await errorOf(
        sb.runCode('import time\nwhile True:\n    time.sleep(0.1)', { context: c, timeout: 1000 }),
      );
      expect(err.code).toBe('CODE_EXECUTION_TIMEOUT');
      const after = await sb.runCode('kept', { context: c });
      expect(after.results).toEqual([{ text: "'still here'" }]);
    });

    it('creates six contexts in parallel, each its own interpreter', async () => {
      const made = await Promise.all(
        Array.from({ length: 6 }, () => sb.createCodeContext({ language: 'python' })),
      );
      const pids = await Promise.all(
        made.map(async (c) => (await sb.runCode('import os\nos.getpid()', { context: c })).results),
      );
      expect(new Set(pids.map((r) => r[0]?.text)).size).toBe(6);
      await Promise.all(made.map((c) => sb.deleteCodeContext(c)));
    });

    it('runs JavaScript with top-level await and TypeScript, streaming events', async () => {
      const js = await sb.createCodeContext({ language: 'javascript' });
      await sb.runCode('const base = await Promise.resolve(40);', { context: js });
      const events: CodeEvent[] = [];
      for await (const ev of sb.runCodeStream('console.log("js");\n({ answer: base + 2 })', {
        context: js,
      })) {
        events.push(ev);
      }
      // stdout and results travel on separate pipes: their relative order is not fixed.
      expect(events[0]?.type).toBe('start');
      expect(events.at(-1)?.type).toBe('complete');
      expect(events.map((e) => e.type).sort()).toEqual(['complete', 'result', 'start', 'stdout']);
      expect(events.find((e) => e.type === 'result')).toMatchObject({
        result: { json: { answer: 42 } },
      });
      const ts = await sb.createCodeContext({ language: 'typescript' });
      const r = await sb.runCode(
        'type N = number;\nconst twice = (v: N): N => v * 2;\ntwice(await Promise.resolve(21))',
        { context: ts },
      );
      expect(r.results).toEqual([{ text: '42' }]);
      const thrown = await sb.runCode('throw new RangeError("out")', { context: js });
      expect(thrown.error).toMatchObject({ name: 'RangeError', message: 'out' });
    });
  });

  describeGit(ctx);
}

const GIT_SERVER = String.raw`
import base64, http.server, os, subprocess, sys
ROOT, PORT = sys.argv[1], int(sys.argv[2])
GOOD = 'Basic ' + base64.b64encode(b'git-user:right-secret').decode()
class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self): self.git()
    def do_POST(self): self.git()
    def log_message(self, *args): pass
    def git(self):
        path, _, query = self.path.partition('?')
        if path.startswith('/private/') and self.headers.get('Authorization') != GOOD:
            self.send_response(401)
            self.send_header('WWW-Authenticate', 'Basic realm="git"')
            self.send_header('Content-Length', '0')
            self.end_headers()
            return
        body = self.rfile.read(int(self.headers.get('Content-Length') or 0))
        env = dict(os.environ, GIT_PROJECT_ROOT=ROOT, GIT_HTTP_EXPORT_ALL='1', PATH_INFO=path,
                   QUERY_STRING=query, REQUEST_METHOD=self.command, REMOTE_USER='git-user',
                   CONTENT_TYPE=self.headers.get('Content-Type', ''), CONTENT_LENGTH=str(len(body)))
        out = subprocess.run(['git', 'http-backend'], input=body, env=env, capture_output=True).stdout
        sep = b'\r\n\r\n' if b'\r\n\r\n' in out else b'\n\n'
        head, _, rest = out.partition(sep)
        status, headers = 200, []
        for line in head.decode().splitlines():
            key, _, value = line.partition(':')
            if key.lower() == 'status':
                status = int(value.split()[0])
            elif key:
                headers.append((key, value.strip()))
        self.send_response(status)
        for key, value in headers:
            self.send_header(key, value)
        self.send_header('Content-Length', str(len(rest)))
        self.end_headers()
        self.wfile.write(rest)
http.server.ThreadingHTTPServer(('127.0.0.1', PORT), Handler).serve_forever()
`;

const MAKE_REPOS = [
  'set -e',
  'C="git -c user.name=t -c user.email=t@example.invalid"',
  'rm -rf /tmp/src /srv/git && mkdir -p /tmp/src /srv/git/public /srv/git/private && cd /tmp/src',
  'git init -q -b main',
  '$C commit -q --allow-empty -m one && $C commit -q --allow-empty -m two',
  'git checkout -q -b feature && echo f > feature.txt && git add feature.txt && $C commit -q -m three',
  'git checkout -q main',
  'git clone -q --bare /tmp/src /srv/git/public/repo.git',
  'git clone -q --bare /tmp/src /srv/git/private/repo.git',
].join('\n');

function describeGit(ctx: () => InterpreterContext): void {
  describe('git checkout', () => {
    let sb: Sandbox;
    const base = 'http://127.0.0.1:8418';
    beforeAll(async () => {
      sb = getSandbox(ctx().client, 'conf-git');
      const made = await sb.exec(MAKE_REPOS);
      expect(made.stderr).toBe('');
      await sb.writeFile('/opt/git-server.py', GIT_SERVER);
      const server = await sb.startProcess('python3 /opt/git-server.py /srv/git 8418');
      await server.waitForPort(8418, { mode: 'tcp', timeout: 30_000 });
    });
    afterAll(async () => {
      await sb?.destroy();
    });

    it('clones a branch at depth 1 into the asked directory', async () => {
      const r = await sb.gitCheckout(`${base}/public/repo.git`, {
        branch: 'feature',
        depth: 1,
        targetDir: '/workspace/shallow',
      });
      expect(r).toEqual({
        repoUrl: `${base}/public/repo.git`,
        branch: 'feature',
        targetDir: '/workspace/shallow',
      });
      const count = await sb.exec('git -C /workspace/shallow rev-list --count HEAD');
      expect(count.stdout.trim()).toBe('1');
      expect((await sb.readFile('/workspace/shallow/feature.txt')).content).toBe('f\n');
    });

    it('clones the default branch into /workspace/<name> with credentials, never echoing them', async () => {
      const r = await sb.gitCheckout(
        'http://git-user:right-secret@127.0.0.1:8418/private/repo.git',
      );
      expect(r).toEqual({
        repoUrl: 'http://***@127.0.0.1:8418/private/repo.git',
        branch: 'main',
        targetDir: '/workspace/repo',
      });
      const count = await sb.exec('git -C /workspace/repo rev-list --count HEAD');
      expect(count.stdout.trim()).toBe('2');
    });

    it('maps each git failure to its code', async () => {
      const cases: [string, { branch?: string }, string][] = [
        [`${base}/public/missing.git`, {}, 'GIT_REPOSITORY_NOT_FOUND'],
        [`${base}/private/repo.git`, {}, 'GIT_AUTH_FAILED'],
        ['http://git-user:wrong-secret@127.0.0.1:8418/private/repo.git', {}, 'GIT_AUTH_FAILED'],
        [`${base}/public/repo.git`, { branch: 'no-such-branch' }, 'GIT_BRANCH_NOT_FOUND'],
        ['http://127.0.0.1:8419/public/repo.git', {}, 'GIT_NETWORK_ERROR'],
        ['not a url', {}, 'INVALID_GIT_URL'],
        ['file:///srv/git/public/repo.git', {}, 'INVALID_GIT_URL'],
      ];
      for (const [url, opts, code] of cases) {
        const err = await errorOf(sb.gitCheckout(url, { ...opts, targetDir: '/workspace/fail' }));
        expect({ url, code: err.code }).toEqual({ url, code });
        expect(err.message).not.toContain('wrong-secret');
      }
      expect((await sb.exists('/workspace/fail')).exists).toBe(false);
      expect(ctx().log()).not.toMatch(/right-secret|wrong-secret/);
    });
  });
}
