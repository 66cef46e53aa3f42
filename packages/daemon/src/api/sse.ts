/** Server-Sent Events: one `event:`/`data:` record per event, comment heartbeats in between. */
import type { ServerResponse } from 'node:http';

export async function sendSse(
  res: ServerResponse,
  events: AsyncIterable<{ type: string }>,
  heartbeatMs: number,
  signal: AbortSignal,
): Promise<void> {
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-store',
    'x-accel-buffering': 'no',
  });
  res.flushHeaders();
  const beat = setInterval(() => res.write(': heartbeat\n\n'), heartbeatMs);
  try {
    for await (const event of events) {
      if (signal.aborted) break;
      if (!res.write(`event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`)) {
        // A slow reader: wait, and the agent's stream (and the command's pipes) wait with it.
        await drained(res);
      }
    }
  } finally {
    clearInterval(beat);
    res.end();
  }
}

/** Resolves when the reader caught up or left; leaves no listener behind (a flood waits often). */
function drained(res: ServerResponse): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.once('drain', done);
    res.once('close', done);
  });
}
