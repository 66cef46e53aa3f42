import { parse, execEventSchema, type ExecEvent } from '@paddock/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestAgent, type TestAgent } from './testing.js';

let agent: TestAgent;
beforeAll(async () => {
  agent = await startTestAgent({ outputLimitBytes: 64 * 1024 });
});
afterAll(async () => {
  await agent.close();
});

async function stream(
  body: unknown,
  signal?: AbortSignal,
): Promise<{ status: number; events: ExecEvent[] }> {
  const res = await fetch(`${agent.url}/exec/stream`, {
    method: 'POST',
    headers: { authorization: `Bearer ${agent.token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal,
  });
  const text = await res.text();
  if (res.status !== 200) return { status: res.status, events: [JSON.parse(text)] };
  const events = text
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const r = parse(execEventSchema, JSON.parse(line));
      if (!r.ok) throw new Error(`bad event ${line}`);
      return r.value;
    });
  return { status: res.status, events };
}

describe('exec stream', () => {
  it('streams start, output in order and complete', async () => {
    const { events } = await stream({ command: 'echo one; echo two >&2; sleep 0.2; echo three' });
    expect(events[0]?.type).toBe('start');
    const out = events.filter((e) => e.type === 'stdout').map((e) => (e as { data: string }).data);
    expect(out.join('')).toBe('one\nthree\n');
    expect(
      events
        .filter((e) => e.type === 'stderr')
        .map((e) => (e as { data: string }).data)
        .join(''),
    ).toBe('two\n');
    expect(events.at(-1)).toMatchObject({ type: 'complete', exitCode: 0 });
  });

  it('reports the exit code, a missing binary as 127 and a timeout as an error event', async () => {
    expect((await stream({ command: 'exit 5' })).events.at(-1)).toMatchObject({
      type: 'complete',
      exitCode: 5,
    });
    const missing = await stream({ command: ['no-such-binary-xyz'] });
    expect(missing.events.at(-1)).toMatchObject({ type: 'complete', exitCode: 127 });
    const slow = await stream({ command: 'echo hi; sleep 5', timeout: 300 });
    expect(slow.events.at(-1)).toMatchObject({ type: 'error', code: 'COMMAND_TIMEOUT' });
    expect(slow.events.some((e) => e.type === 'complete')).toBe(false);
  });

  it('caps output and says so', async () => {
    const { events } = await stream({ command: 'head -c 1000000 /dev/zero | tr "\\0" a' });
    const bytes = events
      .filter((e) => e.type === 'stdout')
      .reduce((n, e) => n + (e as { data: string }).data.length, 0);
    expect(bytes).toBe(64 * 1024);
    expect(events.at(-1)).toMatchObject({ type: 'complete', exitCode: 0, truncated: true });
  });

  it('kills the command when the reader goes away', async () => {
    const abort = new AbortController();
    const res = await fetch(`${agent.url}/exec/stream`, {
      method: 'POST',
      headers: { authorization: `Bearer ${agent.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ command: 'echo $$; sleep 30' }),
      signal: abort.signal,
    });
    const reader = res.body!.getReader();
    let text = '';
    while (!text.includes('stdout')) text += new TextDecoder().decode((await reader.read()).value);
    const pid = Number(/"data":"(\d+)/.exec(text)?.[1]);
    abort.abort();
    const deadline = Date.now() + 3000;
    let alive = true;
    while (alive && Date.now() < deadline) {
      try {
        process.kill(pid, 0);
        await new Promise((r) => setTimeout(r, 50));
      } catch {
        alive = false;
      }
    }
    expect(alive).toBe(false);
  });

  it('answers a bad cwd as an ordinary error before streaming', async () => {
    const r = await stream({ command: 'true', cwd: '/no/such/dir' });
    expect(r.status).toBe(404);
    expect(r.events[0]).toMatchObject({ code: 'FILE_NOT_FOUND' });
  });
});
