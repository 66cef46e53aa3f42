/** Unix-socket clients of QEMU's sockets (console, control port, migration), and a deadline. */
import { createConnection, type Socket } from 'node:net';

/** One connection attempt; its error listener goes once connected (the caller adds its own). */
export function connectUnix(path: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = createConnection(path);
    s.once('connect', () => {
      s.removeListener('error', reject);
      resolve(s);
    });
    s.once('error', reject);
  });
}

/** Connect, retrying while the socket is not there yet (QEMU still starting), up to a deadline. */
export async function connectWhenListening(
  path: string,
  timeoutMs: number,
  retryMs = 10,
): Promise<Socket> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await connectUnix(path);
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, retryMs));
    }
  }
}

/** `p`, or an Error(`message`) after `ms`. */
export function withTimeout<T>(p: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}
