/**
 * Entry point inside the sandbox, run as the only child of tini (PID 1). Reads its token and
 * listen address from the environment, removes them so no command inherits them, and serves.
 */
import { mkdir } from 'node:fs/promises';
import { AGENT_ENV, AGENT_PORT, VM_CONTROL_ENV, WORKSPACE_DIR } from '@paddock/protocol';
import { ensureHostsEntry } from './hosts.js';
import { parseListen } from './listen.js';
import { describe, log } from './log.js';
import { createAgentServer } from './server.js';
import { AGENT_VERSION } from './version.js';
import { serveVmControl } from './vm-control.js';

function fatal(message: string, code: number): never {
  log(message);
  process.exit(code);
}

/**
 * Keep serving after a stray exception: every piece of state is per request, and exiting would
 * end tini's only child and with it the whole sandbox.
 */
function installGuards(): void {
  process.stdout.on('error', () => {});
  process.stderr.on('error', () => {});
  process.on('uncaughtException', (err) =>
    log(`uncaught exception, still serving: ${describe(err)}`),
  );
  process.on('unhandledRejection', (err) =>
    log(`unhandled rejection, still serving: ${describe(err)}`),
  );
}

async function main(): Promise<void> {
  const token = process.env[AGENT_ENV.token] ?? '';
  const listen = process.env[AGENT_ENV.listen] ?? `0.0.0.0:${AGENT_PORT}`;
  delete process.env[AGENT_ENV.token];
  const control = process.env[VM_CONTROL_ENV];
  delete process.env[AGENT_ENV.listen];
  delete process.env[VM_CONTROL_ENV];
  if (token === '') fatal(`refusing to start: ${AGENT_ENV.token} is not set`, 2);
  const address = parseListen(listen);
  if (!address) fatal(`refusing to start: ${AGENT_ENV.listen} must be host:port`, 2);
  installGuards();
  // Also warms libuv's thread pool now, while the sandbox still has free pids: creating it later
  // under a fork bomb would fail, and libuv aborts when it cannot start its threads.
  await mkdir(WORKSPACE_DIR, { recursive: true }).catch((err: unknown) =>
    log(`cannot create ${WORKSPACE_DIR}: ${describe(err)}`),
  );
  await ensureHostsEntry().catch((err: unknown) =>
    log(`cannot add the hostname to /etc/hosts: ${describe(err)}`),
  );
  const server = createAgentServer({ token });
  let listening = false;
  server.on('error', (err) => {
    if (!listening) fatal(`cannot listen on ${listen}: ${describe(err)}`, 1);
    log(`server error, still serving: ${describe(err)}`); // e.g. EMFILE on accept
  });
  server.listen(address.port, address.host, () => {
    listening = true;
    const bound = server.address();
    const where = typeof bound === 'object' && bound ? `${bound.address}:${bound.port}` : listen;
    log(`agent ${AGENT_VERSION} listening on ${where}`);
  });
  const stop = (signal: NodeJS.Signals): void => {
    log(`${signal}: shutting down`);
    server.close();
    server.closeAllConnections();
    process.exit(0);
  };
  // A microVM's control port: only a restore from a snapshot speaks on it (vm-control.ts).
  if (control) void serveVmControl(control);
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((err: unknown) => fatal(`failed to start: ${describe(err)}`, 1));
