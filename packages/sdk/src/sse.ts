/** Reading a Server-Sent Events body, and folding a command's events into its result. */
import type { ExecEvent, ExecResult } from '@paddock/protocol';
import { errorFromBody } from './errors.js';

/**
 * Parse an SSE stream (`event:`/`data:` records, `:` comment heartbeats skipped).
 *
 * @example
 * for await (const event of parseSSEStream<ExecEvent>(body)) console.log(event.type);
 */
export async function* parseSSEStream<T>(body: ReadableStream<Uint8Array>): AsyncGenerator<T> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buf = '';
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buf += decoder.decode(value, { stream: true });
      let end: number;
      while ((end = buf.indexOf('\n\n')) !== -1) {
        const data = dataOf(buf.slice(0, end));
        buf = buf.slice(end + 2);
        if (data !== undefined) yield JSON.parse(data) as T;
      }
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
}

function dataOf(record: string): string | undefined {
  const lines = record.split('\n').filter((l) => l.startsWith('data:'));
  if (lines.length === 0) return undefined;
  return lines.map((l) => l.slice(l.startsWith('data: ') ? 6 : 5)).join('\n');
}

/** Fold a command's events into the result `exec` returns, feeding chunks to `onOutput`. */
export async function collectStream(
  events: AsyncIterable<ExecEvent>,
  onOutput: ((stream: 'stdout' | 'stderr', data: string) => void) | undefined,
): Promise<ExecResult> {
  let stdout = '';
  let stderr = '';
  for await (const ev of events) {
    if (ev.type === 'stdout' || ev.type === 'stderr') {
      if (ev.type === 'stdout') stdout += ev.data;
      else stderr += ev.data;
      onOutput?.(ev.type, ev.data);
    } else if (ev.type === 'complete') {
      const result: ExecResult = {
        success: ev.exitCode === 0,
        exitCode: ev.exitCode,
        stdout,
        stderr,
        duration: ev.duration,
      };
      if (ev.truncated) result.truncated = true;
      return result;
    } else if (ev.type === 'error') {
      throw errorFromBody({ code: ev.code, message: ev.message, details: { stdout, stderr } });
    }
  }
  throw new Error('unreachable: execStream ends with complete or error');
}

/**
 * The events of a stream up to and including its last (`complete` or `error` by default; `exit`
 * or `error` for a process's logs); a reader that stops early aborts the request (which ends a
 * run), and a stream that ends before its last event throws `cutShort()`.
 */
export async function* untilDone<T extends { type: string }>(
  stream: ReadableStream<Uint8Array>,
  abort: AbortController,
  cutShort: () => Error,
  last: readonly string[] = ['complete', 'error'],
): AsyncGenerator<T> {
  let ended = false;
  try {
    for await (const event of parseSSEStream<T>(stream)) {
      yield event;
      if (last.includes(event.type)) {
        ended = true;
        return;
      }
    }
  } finally {
    if (!ended) abort.abort();
  }
  throw cutShort();
}
