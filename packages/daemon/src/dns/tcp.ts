/**
 * DNS over TCP for sandboxes (what resolvers fall back to after a truncated UDP answer): one
 * length-prefixed query per connection, bounded in size, time and connection count, answered by
 * the same function as UDP.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { MAX_QUERY_BYTES } from './message.js';

export type TcpServer = Server;

const MAX_CONNECTIONS = 64;
const IDLE_MS = 5000;

export async function listenTcp(
  port: number,
  answer: (msg: Buffer, source: string) => Promise<Buffer | undefined>,
): Promise<TcpServer> {
  const server = createServer((sock) => serve(sock, answer));
  server.maxConnections = MAX_CONNECTIONS;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '0.0.0.0', () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', () => undefined);
  return server;
}

function serve(
  sock: Socket,
  answer: (msg: Buffer, source: string) => Promise<Buffer | undefined>,
): void {
  sock.setTimeout(IDLE_MS, () => sock.destroy());
  sock.on('error', () => sock.destroy());
  let buf = Buffer.alloc(0);
  sock.on('data', (chunk: Buffer) => {
    buf = Buffer.concat([buf, chunk]);
    if (buf.length < 2) return;
    const len = buf.readUInt16BE(0);
    if (len > MAX_QUERY_BYTES || buf.length > len + 2) return void sock.destroy();
    if (buf.length < len + 2) return;
    sock.pause();
    const source = (sock.remoteAddress ?? '').replace(/^::ffff:/, '');
    answer(buf.subarray(2), source).then(
      (reply) => {
        if (!reply) return void sock.destroy();
        const head = Buffer.alloc(2);
        head.writeUInt16BE(reply.length);
        sock.end(Buffer.concat([head, reply]));
      },
      () => sock.destroy(),
    );
  });
}
