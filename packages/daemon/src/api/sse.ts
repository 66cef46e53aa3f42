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
        await new Promise<void>((resolve) => {
          res.once('drain', resolve);
          res.once('close', resolve);
        });
      }
    }
  } finally {
    clearInterval(beat);
    res.end();
  }
}
