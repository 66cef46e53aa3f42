/**
 * A VM's state to and from a file, through QEMU's migration over a unix socket in the VM's own
 * directory (QEMU runs with `-sandbox spawn=deny`, so `exec:` URIs are out, and 7.2 has no
 * `file:`). Saving: the daemon listens, QEMU (paused) sends. Restoring: QEMU started with
 * `-incoming defer` listens, the daemon sends the file. Memory goes in the stream (zero pages
 * as markers), so a restored guest's RAM is its own: nothing of it is shared with the template
 * or another sandbox that a guest could write to.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { chown, rm } from 'node:fs/promises';
import { createServer, type Socket } from 'node:net';
import { pipeline } from 'node:stream/promises';
import { qmpCommand } from './qmp.js';
import { connectWhenListening, withTimeout } from './unix-socket.js';

export interface MigrationSocket {
  /** The socket's path on the host. */
  host: string;
  /** The same socket as QEMU sees it in its jail. */
  guest: string;
}

const POLL_MS = 20;

/** Save the paused VM's devices and memory into `file` (0600). */
export async function saveVmState(
  qmpSocket: string,
  sock: MigrationSocket,
  file: string,
  uid: number,
  timeoutMs: number,
): Promise<void> {
  await rm(sock.host, { force: true });
  const server = createServer();
  const received = new Promise<void>((resolve, reject) => {
    server.once('connection', (conn: Socket) => {
      server.close();
      pipeline(conn, createWriteStream(file, { mode: 0o600, flags: 'wx' })).then(resolve, reject);
    });
    server.once('error', reject);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(sock.host, resolve);
  });
  try {
    await chown(sock.host, uid, uid);
    await qmpCommand(qmpSocket, 'migrate', 5000, { uri: `unix:${sock.guest}` });
    await withTimeout(received, timeoutMs, 'the VM state was not saved in time');
    await waitForMigration(qmpSocket, timeoutMs);
  } finally {
    server.close();
    await rm(sock.host, { force: true });
  }
}

/** Feed `file` to a QEMU started with `-incoming defer`; resolves once it has loaded it all. */
export async function loadVmState(
  qmpSocket: string,
  sock: MigrationSocket,
  file: string,
  timeoutMs: number,
): Promise<void> {
  await qmpCommand(qmpSocket, 'migrate-incoming', 5000, { uri: `unix:${sock.guest}` });
  const conn = await connectWhenListening(sock.host, timeoutMs, POLL_MS / 4);
  await withTimeout(
    pipeline(createReadStream(file), conn),
    timeoutMs,
    'QEMU did not take the VM state',
  );
  await waitForMigration(qmpSocket, timeoutMs);
}

/** Until `query-migrate` says completed; failed or cancelled is an error. */
async function waitForMigration(qmpSocket: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = (await qmpCommand(qmpSocket, 'query-migrate', 2000)) as { status?: string };
    if (r?.status === 'completed') return;
    if (r?.status === 'failed' || r?.status === 'cancelled') {
      throw new Error(`migration ${r.status}`);
    }
    if (Date.now() > deadline) throw new Error(`migration not done in time (${r?.status})`);
    await sleep(POLL_MS);
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
