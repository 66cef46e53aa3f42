/**
 * POST /processes/logs/stream: a process's logs as NDJSON lines of ProcessLogEvent, first what
 * was kept so far, then live output, then `exit`. The process is never paused for the reader, so
 * a reader that falls too far behind is cut off with an `error` instead of growing a buffer.
 */
import type { ServerResponse } from 'node:http';
import type { ProcessLogEvent } from '@paddock/protocol';
import type { LogEvent, ManagedProcess } from './managed.js';

/** How far (bytes queued in the response) a reader may fall behind before it is cut off. */
export const MAX_BEHIND_BYTES = 8 * 1024 * 1024;
const CHUNK_CHARS = 64 * 1024;

function* chunks(type: 'stdout' | 'stderr', text: string): Generator<ProcessLogEvent> {
  for (let i = 0; i < text.length; i += CHUNK_CHARS) {
    yield { type, data: text.slice(i, i + CHUNK_CHARS) };
  }
}

export function streamLogs(
  proc: ManagedProcess,
  res: ServerResponse,
  maxBehind = MAX_BEHIND_BYTES,
): Promise<void> {
  return new Promise((resolve) => {
    res.writeHead(200, { 'content-type': 'application/x-ndjson', 'cache-control': 'no-store' });
    const write = (event: ProcessLogEvent) => res.write(`${JSON.stringify(event)}\n`);
    let unsubscribe = (): void => {};
    let ended = false;
    const end = () => {
      if (ended) return;
      ended = true;
      unsubscribe();
      res.end();
      resolve();
    };
    const onLive = (event: LogEvent) => {
      if (event.type === 'exit' || res.writableLength <= maxBehind) {
        for (const e of event.type === 'exit' ? [event] : chunks(event.type, event.data)) write(e);
        if (event.type === 'exit') end();
        return;
      }
      const message = `the reader fell over ${maxBehind} bytes behind process '${proc.id}'`;
      write({ type: 'error', code: 'PROCESS_LOG_OVERFLOW', message });
      end();
    };
    // Snapshot and subscription in one tick: nothing is missed and nothing is sent twice.
    const kept = proc.logs();
    if (proc.running) unsubscribe = proc.subscribe(onLive);
    res.once('close', end); // the reader went away: stop following
    for (const e of chunks('stdout', kept.stdout)) write(e);
    for (const e of chunks('stderr', kept.stderr)) write(e);
    if (!proc.running) {
      write({ type: 'exit', exitCode: proc.exitCode ?? -1, status: proc.status });
      end();
    }
  });
}
