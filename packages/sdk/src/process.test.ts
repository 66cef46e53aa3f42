import type { ProcessInfo, ProcessLogEvent } from '@paddock/protocol';
import { describe, expect, it } from 'vitest';
import {
  ProcessExitedBeforeReadyError,
  ProcessNotFoundError,
  ProcessReadyTimeoutError,
} from './errors.js';
import { Processes, type ProcessTransport } from './process.js';

const info: ProcessInfo = {
  id: 'web',
  pid: 7,
  command: 'serve',
  status: 'running',
  startTime: '2026-12-04T12:00:00.000Z',
};

/** An SSE body with `events`, left open (a live process) unless it ends with exit. */
function sse(events: ProcessLogEvent[], signal: AbortSignal): ReadableStream<Uint8Array> {
  const enc = new TextEncoder();
  return new ReadableStream({
    start(controller) {
      for (const e of events)
        controller.enqueue(enc.encode(`event: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`));
      if (events.at(-1)?.type === 'exit') controller.close();
      signal.addEventListener('abort', () => controller.error(new Error('aborted')));
    },
  });
}

function fake(events: ProcessLogEvent[], replies: Record<string, unknown> = {}) {
  const sent: { method: string; suffix: string; body: unknown }[] = [];
  const transport: ProcessTransport = {
    url: () => 'http://fake',
    request: <T>(method: string, suffix: string, body?: unknown) => {
      sent.push({ method, suffix, body });
      const reply = replies[suffix] ?? info;
      return reply instanceof Error ? Promise.reject(reply) : Promise.resolve(reply as T);
    },
    stream: (_suffix, signal) => Promise.resolve(sse(events, signal)),
  };
  return { ops: new Processes(transport), sent };
}

describe('Process', () => {
  it('finds a log line split across chunks, on either stream', async () => {
    const { ops } = fake([
      { type: 'stdout', data: 'boo' },
      { type: 'stderr', data: 'listening on ' },
      { type: 'stdout', data: 'ting\n' },
      { type: 'stderr', data: '8080\nmore' },
    ]);
    const p = await ops.start('serve');
    expect(await p.waitForLog('booting')).toEqual({ line: 'booting' });
    expect(await p.waitForLog(/on (\d+)/)).toEqual({ line: 'listening on 8080' });
  });

  it('checks the last unterminated line at exit, then reports the early exit', async () => {
    const exit: ProcessLogEvent = { type: 'exit', exitCode: 1, status: 'failed' };
    const { ops } = fake([{ type: 'stdout', data: 'no newline' }, exit]);
    const p = await ops.start('x');
    expect(await p.waitForLog('newline')).toEqual({ line: 'no newline' });
    const err = await p.waitForLog('absent').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProcessExitedBeforeReadyError);
    expect(p).toMatchObject({ status: 'failed', exitCode: 1 });
    expect(await p.waitForExit()).toEqual({ exitCode: 1 });
  });

  it('times out with ProcessReadyTimeoutError', async () => {
    const { ops } = fake([{ type: 'stdout', data: 'hello\n' }]);
    const p = await ops.start('x');
    const err = await p.waitForLog('never', 100).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProcessReadyTimeoutError);
    expect((await p.waitForExit(100).catch((e: unknown) => e)) as Error).toBeInstanceOf(
      ProcessReadyTimeoutError,
    );
  });

  it('maps a single status to a range and gives the request room past its timeout', async () => {
    const { ops, sent } = fake([]);
    const p = await ops.start(['a', 'b'], { processId: 'web', env: { A: '1', B: undefined } });
    expect(sent[0]).toEqual({
      method: 'POST',
      suffix: '/processes',
      body: { command: ['a', 'b'], processId: 'web', env: { A: '1' } },
    });
    await p.waitForPort(80, { status: 204, timeout: 1000 });
    expect(sent[1]?.body).toEqual({
      port: 80,
      mode: 'http',
      status: { min: 204, max: 204 },
      timeout: 1000,
    });
  });

  it('getProcess answers null for an unknown id', async () => {
    const { ops } = fake([], { '/processes/gone': new ProcessNotFoundError('no') });
    expect(await ops.get('gone')).toBeNull();
  });
});
