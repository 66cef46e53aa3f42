/** The interpreter's agent routes over real HTTP: contexts, the run stream, errors before it. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestAgent, type TestAgent } from '../testing.js';

let agent: TestAgent;

beforeAll(async () => {
  agent = await startTestAgent();
});

afterAll(async () => {
  await agent.close();
});

async function runStream(body: unknown): Promise<{ status: number; events: { type: string }[] }> {
  const res = await fetch(`${agent.url}/code/run/stream`, {
    method: 'POST',
    headers: { authorization: `Bearer ${agent.token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  if (res.status !== 200)
    return { status: res.status, events: [JSON.parse(text) as { type: string }] };
  return {
    status: 200,
    events: text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string }),
  };
}

describe('interpreter routes', () => {
  it('creates, lists and deletes contexts; runs code in one as NDJSON events', async () => {
    const created = await agent.call('/code/contexts/create', { body: { language: 'python' } });
    expect(created.status).toBe(200);
    expect(created.body).toMatchObject({
      language: 'python',
      cwd: agent.workspace,
      status: 'ready',
    });
    const id = created.body.id as string;
    const { events } = await runStream({ code: 'print(1)\n2', context: id });
    expect(events.map((e) => e.type).sort()).toEqual(['complete', 'result', 'start', 'stdout']);
    const list = await agent.call('/code/contexts/list', { body: {} });
    expect(list.body.contexts.map((c: { id: string }) => c.id)).toContain(id);
    expect((await agent.call('/code/contexts/delete', { body: { contextId: id } })).body).toEqual({
      id,
      deleted: true,
    });
  });

  it('uses a default context per language when none is named', async () => {
    await runStream({ code: 'shared = 3' });
    const { events } = await runStream({ code: 'shared', language: 'python' });
    expect(events).toContainEqual({ type: 'result', result: { text: '3' } });
    expect(events[0]).toEqual({ type: 'start', contextId: 'default-python' });
  });

  it('answers unknown contexts, bad cwds and mismatched languages before any event', async () => {
    const missing = await runStream({ code: '1', context: 'ctx-nope' });
    expect(missing).toMatchObject({ status: 404, events: [{ code: 'CONTEXT_NOT_FOUND' }] });
    const badCwd = await agent.call('/code/contexts/create', { body: { cwd: '/no/such/dir' } });
    expect(badCwd.body.code).toBe('FILE_NOT_FOUND');
    const js = await agent.call('/code/contexts/create', { body: { language: 'javascript' } });
    const wrong = await runStream({ code: '1', context: js.body.id, language: 'python' });
    expect(wrong).toMatchObject({ status: 400, events: [{ code: 'VALIDATION_FAILED' }] });
  });

  it('interrupts a run whose reader walked away; the context runs the next one', async () => {
    const made = await agent.call('/code/contexts/create', { body: { language: 'python' } });
    const id = made.body.id as string;
    const abort = new AbortController();
    const res = await fetch(`${agent.url}/code/run/stream`, {
      method: 'POST',
      headers: { authorization: `Bearer ${agent.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        code: 'import time\nprint("go", flush=True)\ntime.sleep(60)',
        context: id,
      }),
      signal: abort.signal,
    });
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    let seen = '';
    while (!seen.includes('"stdout"'))
      seen += new TextDecoder().decode((await reader.read()).value);
    abort.abort();
    const { events } = await runStream({ code: '6 * 7', context: id });
    expect(events).toContainEqual({ type: 'result', result: { text: '42' } });
  });
});
