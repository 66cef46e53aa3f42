/**
 * The runners on the host's python3 and node: state, results, errors, interrupts, framing.
 * TypeScript comes from the repository's own `typescript` (NODE_PATH), as the guest's Debian one.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CodeEvent, CodeLanguage } from '@paddock/protocol';
import { ContextRegistry } from './registry.js';

let dir: string;
let registry: ContextRegistry;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pdk-interp-'));
  const nodePath = resolve(__dirname, '../../../../node_modules');
  registry = new ContextRegistry({
    workspaceDir: dir,
    baseEnv: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', NODE_PATH: nodePath, HOME: dir },
    interruptGraceMs: 1500,
  });
});

afterAll(async () => {
  registry.closeAll();
  await rm(dir, { recursive: true, force: true });
});

async function run(context: string, code: string, timeout = 20_000): Promise<CodeEvent[]> {
  const events: CodeEvent[] = [];
  const sink = { emit: (e: CodeEvent) => events.push(e) > 0, drained: (cb: () => void) => cb() };
  await registry.run({ code, context, timeout }, sink, new AbortController().signal);
  return events;
}

const stdout = (events: CodeEvent[]) =>
  events.map((e) => (e.type === 'stdout' ? e.data : '')).join('');
const results = (events: CodeEvent[]) =>
  events.flatMap((e) => (e.type === 'result' ? [e.result] : []));
const errorOf = (events: CodeEvent[]) =>
  events.flatMap((e) => (e.type === 'execution_error' ? [e.error] : []))[0];

async function context(language: CodeLanguage): Promise<string> {
  return (await registry.create({ language })).id;
}

describe('python runner', () => {
  it('keeps state within a context and not across contexts', async () => {
    const [a, b] = await Promise.all([context('python'), context('python')]);
    await run(a, 'x = 41\ndef f(v):\n    return v + 1');
    const r = await run(a, 'print("hi", flush=True)\nf(x)');
    expect(stdout(r)).toBe('hi\n');
    expect(results(r)).toEqual([{ text: '42' }]);
    expect(r.at(-1)).toMatchObject({ type: 'complete', executionCount: 2 });
    const other = await run(b, 'x');
    expect(errorOf(other)).toMatchObject({ name: 'NameError' });
  });

  it('returns rich forms of the last value, and no result for None', async () => {
    const c = await context('python');
    const r = await run(
      c,
      'class H:\n    def _repr_html_(self): return "<b>hi</b>"\n    def __repr__(self): return "H()"\nH()',
    );
    expect(results(r)).toEqual([{ html: '<b>hi</b>', text: 'H()' }]);
    expect(results(await run(c, 'None'))).toEqual([]);
  });

  it('reports syntax and runtime errors with tracebacks starting in the cell', async () => {
    const c = await context('python');
    const syntax = errorOf(await run(c, 'x = = 1'));
    expect(syntax?.name).toBe('SyntaxError');
    expect(syntax?.traceback.join('')).toContain('<cell-');
    const runtime = errorOf(await run(c, 'def g():\n    return 1 / 0\ng()'));
    expect(runtime).toMatchObject({ name: 'ZeroDivisionError', message: 'division by zero' });
    const tb = runtime?.traceback.join('') ?? '';
    expect(tb).toContain('return 1 / 0');
    expect(tb).not.toContain('<string>');
  });

  it('is not confused by user output that looks like frames or markers', async () => {
    const c = await context('python');
    const r = await run(
      c,
      'import os, sys\nprint(\'{"type":"done"}\')\nos.write(1, b"\\x00PDK-END-nope\\x00")\nsys.stderr.write("e")\n7',
    );
    expect(stdout(r)).toBe('{"type":"done"}\n\u0000PDK-END-nope\u0000');
    expect(results(r)).toEqual([{ text: '7' }]);
  });

  it('interrupts a run at its timeout and keeps the context usable', async () => {
    const c = await context('python');
    await run(c, 'kept = 5');
    const r = await run(c, 'import time\nwhile True:\n    time.sleep(0.05)', 500);
    expect(r.at(-1)).toMatchObject({ type: 'error', code: 'CODE_EXECUTION_TIMEOUT' });
    expect(results(await run(c, 'kept'))).toEqual([{ text: '5' }]);
  });

  it('reports a context whose interpreter exited as dead', async () => {
    const c = await context('python');
    const r = await run(c, 'import os\nos._exit(3)');
    expect(r.at(-1)).toMatchObject({ type: 'error', code: 'CONTEXT_DEAD' });
    expect((await run(c, '1')).at(-1)).toMatchObject({ type: 'error', code: 'CONTEXT_DEAD' });
    expect(registry.list().find((x) => x.id === c)?.status).toBe('dead');
  });
});

describe('javascript and typescript runners', () => {
  it('keeps declarations, returns the last value, supports top-level await', async () => {
    const c = await context('javascript');
    await run(c, 'const a = 40; function inc(v) { return v + 1 }');
    const r = await run(c, 'const b = await Promise.resolve(1);\nconsole.log("log");\ninc(a) + b');
    expect(stdout(r)).toBe('log\n');
    expect(results(r)).toEqual([{ text: '42', json: 42 }].map(({ text }) => ({ text })));
    expect(results(await run(c, '({ k: [1, 2] })'))).toEqual([
      { text: '{ k: [ 1, 2 ] }', json: { k: [1, 2] } },
    ]);
  });

  it('reports thrown errors, sync and async, with the error name', async () => {
    const c = await context('javascript');
    expect(errorOf(await run(c, 'null.x'))).toMatchObject({ name: 'TypeError' });
    expect(errorOf(await run(c, 'await Promise.reject(new RangeError("r"))'))).toMatchObject({
      name: 'RangeError',
      message: 'r',
    });
    expect(errorOf(await run(c, 'let = ;'))).toMatchObject({ name: 'SyntaxError' });
  });

  it('interrupts a busy loop at its timeout and keeps the context', async () => {
    const c = await context('javascript');
    await run(c, 'var kept = 9');
    const r = await run(c, 'while (true) {}', 500);
    expect(r.at(-1)).toMatchObject({ type: 'error', code: 'CODE_EXECUTION_TIMEOUT' });
    expect(results(await run(c, 'kept'))).toEqual([{ text: '9' }]);
  });

  it('transpiles TypeScript before running it', async () => {
    const c = await context('typescript');
    await run(c, 'interface P { n: number }\nconst p: P = { n: 2 };');
    const r = await run(
      c,
      'const sq = (v: number): number => v * v;\nsq(p.n) + (await Promise.resolve(1))',
    );
    expect(results(r)).toEqual([{ text: '5' }]);
  });
});
