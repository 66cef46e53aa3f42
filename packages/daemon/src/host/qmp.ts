/**
 * A one-shot QMP client: connect to a VM's QMP socket, negotiate, run one command, disconnect.
 * One connection per call keeps it stateless across daemon restarts.
 */
import { createConnection } from 'node:net';

export class QmpError extends Error {
  override name = 'QmpError';
}

const MAX_REPLY = 1024 * 1024;

export function qmpCommand(
  socket: string,
  command: string,
  timeoutMs = 2000,
  args?: Record<string, unknown>,
): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const conn = createConnection(socket);
    let buffer = '';
    let stage: 'greeting' | 'capabilities' | 'command' = 'greeting';
    const finish = (err: Error | undefined, value?: unknown) => {
      clearTimeout(timer);
      conn.destroy();
      if (err) reject(err);
      else resolve(value);
    };
    const timer = setTimeout(() => finish(new QmpError(`QMP ${command}: no answer`)), timeoutMs);
    const send = (execute: string, a?: Record<string, unknown>) =>
      conn.write(`${JSON.stringify(a ? { execute, arguments: a } : { execute })}\n`);
    const onMessage = (msg: Record<string, unknown>) => {
      if ('event' in msg) return;
      if ('error' in msg) return finish(new QmpError(`QMP ${command}: ${JSON.stringify(msg)}`));
      if (stage === 'greeting' && 'QMP' in msg) {
        stage = 'capabilities';
        send('qmp_capabilities');
      } else if (stage === 'capabilities' && 'return' in msg) {
        stage = 'command';
        send(command, args);
      } else if (stage === 'command' && 'return' in msg) finish(undefined, msg['return']);
    };
    conn.on('data', (d: Buffer) => {
      buffer += d.toString('utf8');
      if (buffer.length > MAX_REPLY) return finish(new QmpError('QMP reply too large'));
      let nl: number;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl).trim();
        buffer = buffer.slice(nl + 1);
        if (line) onMessage(parse(line));
      }
    });
    conn.on('error', (err) => finish(err));
    // quit closes the socket before or after its reply: either way QEMU is going.
    conn.on('close', () => finish(command === 'quit' ? undefined : new QmpError('QMP closed')));
  });
}

function parse(line: string): Record<string, unknown> {
  try {
    const v: unknown = JSON.parse(line);
    return typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** The VM's run state (`running`, `paused`, `internal-error`, `guest-panicked`, `shutdown`...). */
export async function queryStatus(socket: string, timeoutMs = 2000): Promise<string> {
  const r = (await qmpCommand(socket, 'query-status', timeoutMs)) as { status?: unknown };
  return typeof r?.status === 'string' ? r.status : 'unknown';
}
