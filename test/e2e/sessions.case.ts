/**
 * Sessions and env through the SDK, on a real backend: persistent shells, their isolation and
 * serialisation, what they share, and the sandbox- and session-level setEnvVars.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PaddockError, getSandbox, type Paddock, type Sandbox } from '@paddock/sdk';

const codeOf = (e: unknown) => (PaddockError.is(e) ? e.code : String(e));

/** Whether a pid is a live (non-zombie) process in the sandbox. */
async function aliveIn(sb: Sandbox, pid: number): Promise<boolean> {
  const r = await sb.exec(`grep -q '^State:[[:space:]]*[^Z]' /proc/${pid}/status 2>/dev/null`);
  return r.exitCode === 0;
}

export function describeSessions(ctx: () => { client: Paddock }): void {
  describe('sessions', () => {
    let sb: Sandbox;
    let n = 0;
    const sid = () => `s-${++n}`;

    beforeAll(async () => {
      sb = getSandbox(ctx().client, 'conf-sess', { limits: { pids: 256 } });
      await sb.exec('mkdir -p /workspace/sub');
    });
    afterAll(async () => {
      await sb?.destroy();
    });

    it('session: cd, export and functions persist between calls', async () => {
      const s = await sb.createSession({ id: sid() });
      await s.exec('cd sub && export A=1 && f() { echo "fn $1"; }');
      const r = await s.exec('echo "$A $(pwd)"; f x');
      expect(r.stdout).toBe('1 /workspace/sub\nfn x\n');
      expect((await s.info()).cwd).toBe('/workspace/sub');
    });

    it('session: output without newline, heredocs and stdin behave', async () => {
      const s = await sb.createSession({ id: sid() });
      expect((await s.exec('printf abc')).stdout).toBe('abc');
      expect((await s.exec('cat <<EOF\n$((6*7))\nEOF')).stdout).toBe('42\n');
      expect((await s.exec('read x; echo "[$x]"')).stdout).toBe('[]\n');
      expect(await s.exec('echo e >&2; exit_code() { return 7; }; exit_code')).toMatchObject({
        exitCode: 7,
        stderr: 'e\n',
      });
    });

    it('session: two sessions keep their own cwd, env and functions but share files and processes', async () => {
      const a = await sb.createSession({ id: sid() });
      const b = await sb.createSession({ id: sid(), cwd: '/tmp' });
      await a.exec('cd /workspace/sub; export ONLY_A=1; g() { :; }; echo shared > /tmp/shared.txt');
      const pid = Number((await a.exec('sleep 300 >/dev/null 2>&1 & echo $!')).stdout.trim());
      const r = await b.exec(
        'echo "${ONLY_A:-unset} $(pwd) $(type -t g || echo nofn)"; cat shared.txt',
      );
      expect(r.stdout).toBe('unset /tmp nofn\nshared\n');
      expect((await b.exec(`kill -0 ${pid} && echo seen`)).stdout).toBe('seen\n');
      await sb.deleteSession(a.id);
      await sb.deleteSession(b.id);
    });

    it('session: concurrent commands in two sessions do not mix output', async () => {
      const [a, b] = await Promise.all([
        sb.createSession({ id: sid() }),
        sb.createSession({ id: sid() }),
      ]);
      const loop = (tag: string) => `for i in $(seq 1 200); do echo ${tag}$i; done`;
      const [ra, rb] = await Promise.all([a.exec(loop('a')), b.exec(loop('b'))]);
      const want = (tag: string) =>
        Array.from({ length: 200 }, (_, i) => `${tag}${i + 1}\n`).join('');
      expect(ra.stdout).toBe(want('a'));
      expect(rb.stdout).toBe(want('b'));
    });

    it('session: calls of one session run one after another', async () => {
      const s = await sb.createSession({ id: sid() });
      await Promise.all([1, 2, 3].map((i) => s.exec(`sleep 0.${4 - i}; echo ${i} >> order.txt`)));
      expect((await s.exec('cat order.txt; rm order.txt')).stdout).toBe('1\n2\n3\n');
    });

    it('session: deleteSession kills its background processes', async () => {
      const s = await sb.createSession({ id: sid() });
      const r = await s.exec(
        'sleep 300 >/dev/null 2>&1 & echo $!; setsid sleep 300 >/dev/null 2>&1 & echo $!',
      );
      const pids = r.stdout.trim().split('\n').map(Number);
      for (const pid of pids) expect(await aliveIn(sb, pid)).toBe(true);
      expect(await sb.deleteSession(s.id)).toEqual({ id: s.id, deleted: true });
      for (const pid of pids) expect(await aliveIn(sb, pid)).toBe(false);
      expect(codeOf(await s.exec('true').catch((e: unknown) => e))).toBe('SESSION_NOT_FOUND');
    });

    it('session: startProcess in a session takes its cwd and env, and ends with it', async () => {
      const s = await sb.createSession({ id: sid(), cwd: '/workspace/sub', env: { WHO: 'sess' } });
      await s.exec('export LATER=yes');
      const p = await sb.startProcess('echo "$WHO $(pwd)"; sleep 300', { sessionId: s.id });
      expect(p.sessionId).toBe(s.id);
      await p.waitForLog('sess /workspace/sub', 20_000);
      expect((await sb.getProcess(p.id))?.status).toBe('running');
      await sb.deleteSession(s.id);
      expect(await aliveIn(sb, p.pid)).toBe(false);
      expect(await p.getStatus()).not.toBe('running');
      const missing = await sb
        .startProcess('true', { sessionId: 'no-such' })
        .catch((e: unknown) => e);
      expect(codeOf(missing)).toBe('SESSION_NOT_FOUND');
    });

    it('session: a shell that exited is recreated on next use with fresh state', async () => {
      const s = await sb.createSession({ id: sid() });
      await s.exec('export GONE=1; cd /tmp');
      expect(await s.exec('echo bye; exit 5')).toMatchObject({ exitCode: 5, stdout: 'bye\n' });
      expect((await s.exec('echo "${GONE:-fresh} $(pwd)"')).stdout).toBe('fresh /workspace\n');
    });

    it('session: a timed-out command is killed and the session starts afresh', async () => {
      const s = await sb.createSession({ id: sid() });
      await s.exec('export LOST=1');
      const err = await s.exec('echo partial; sleep 60', { timeout: 500 }).catch((e: unknown) => e);
      expect(codeOf(err)).toBe('COMMAND_TIMEOUT');
      expect((err as { stdout: string }).stdout).toBe('partial\n');
      expect((await s.exec('echo "${LOST:-fresh}"')).stdout).toBe('fresh\n');
    });

    it('session: setEnvVars on the sandbox reaches sessionless exec and new sessions; undefined unsets', async () => {
      const before = await sb.createSession({ id: sid() });
      await sb.setEnvVars({ SB_VAR: 'sandbox-level', GONE_LATER: 'x' });
      expect((await sb.exec('echo "$SB_VAR $GONE_LATER"')).stdout).toBe('sandbox-level x\n');
      const after = await sb.createSession({ id: sid() });
      expect((await after.exec('echo "$SB_VAR"')).stdout).toBe('sandbox-level\n');
      expect((await before.exec('echo "${SB_VAR:-unset}"')).stdout).toBe('unset\n');
      await sb.setEnvVars({ GONE_LATER: undefined });
      expect((await sb.exec('echo "${GONE_LATER:-unset}"')).stdout).toBe('unset\n');
      await sb.setEnvVars({ SB_VAR: undefined });
    });

    it('session: setEnvVars on a session applies to that session only', async () => {
      const a = await sb.createSession({ id: sid(), env: { KEEP: 'k', DROP: 'd' } });
      const b = await sb.createSession({ id: sid() });
      await a.setEnvVars({ MINE: "it's mine", DROP: undefined });
      expect((await a.exec('echo "$MINE $KEEP ${DROP:-unset}"')).stdout).toBe(
        "it's mine k unset\n",
      );
      expect((await b.exec('echo "${MINE:-unset}"')).stdout).toBe('unset\n');
      expect((await sb.exec('echo "${MINE:-unset}"')).stdout).toBe('unset\n');
    });

    it("session: relative file paths resolve against the session's cwd", async () => {
      const s = await sb.createSession({ id: sid() });
      await s.exec('mkdir -p /tmp/rel && cd /tmp/rel');
      await s.writeFile('note.txt', 'in rel');
      expect((await sb.readFile('/tmp/rel/note.txt')).content).toBe('in rel');
      expect((await s.readFile('note.txt')).content).toBe('in rel');
      expect((await s.exists('note.txt')).exists).toBe(true);
      await s.mkdir('d');
      await s.renameFile('note.txt', 'd/moved.txt');
      const { files } = await s.listFiles('d');
      expect(files.map((f) => f.path)).toEqual(['/tmp/rel/d/moved.txt']);
      expect((await sb.exists('note.txt')).exists).toBe(false); // sessionless: /workspace
    });

    it('session: unknown, duplicate and malformed session ids get their error codes', async () => {
      expect(codeOf(await sb.getSession('no-such').catch((e: unknown) => e))).toBe(
        'SESSION_NOT_FOUND',
      );
      expect(codeOf(await sb.deleteSession('no-such').catch((e: unknown) => e))).toBe(
        'SESSION_NOT_FOUND',
      );
      const s = await sb.createSession({ id: sid() });
      expect(codeOf(await sb.createSession({ id: s.id }).catch((e: unknown) => e))).toBe(
        'SESSION_ALREADY_EXISTS',
      );
      expect(codeOf(await sb.getSession('Bad_Id').catch((e: unknown) => e))).toBe(
        'VALIDATION_FAILED',
      );
      expect((await sb.getSession(s.id)).id).toBe(s.id);
    });
  });
}
