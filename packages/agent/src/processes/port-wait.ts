/**
 * Readiness of a port inside the sandbox, checked from inside (the host cannot and must not reach
 * sandbox ports): a TCP connect, or an HTTP GET whose status must fall in a range. Fails fast
 * when the process exits first, and stops when the caller goes away.
 */
import { request } from 'node:http';
import { connect } from 'node:net';
import { PaddockError, type WaitForPortRequest, type WaitForPortResult } from '@paddock/protocol';
import type { ManagedProcess } from './managed.js';

export const DEFAULT_PORT_TIMEOUT_MS = 60_000;
const DEFAULT_INTERVAL_MS = 250;
/** One check may not hang longer than this (a server that accepts but never answers). */
const ATTEMPT_MS = 5000;
const HOST = '127.0.0.1';

function tcpOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: HOST, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(ATTEMPT_MS, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

function httpReady(port: number, path: string, min: number, max: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ host: HOST, port, path, method: 'GET', timeout: ATTEMPT_MS }, (res) => {
      const status = res.statusCode ?? 0;
      res.resume(); // the body is not needed
      req.destroy();
      resolve(status >= min && status <= max);
    });
    req.once('timeout', () => req.destroy());
    req.once('error', () => resolve(false));
    req.end();
  });
}

function check(req: WaitForPortRequest): Promise<boolean> {
  if (req.mode === 'tcp') return tcpOpen(req.port);
  const status = req.status ?? { min: 200, max: 399 };
  return httpReady(req.port, req.path ?? '/', status.min, status.max);
}

function pause(ms: number, proc: ManagedProcess, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(finish, ms);
    function finish(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', finish);
      resolve();
    }
    signal.addEventListener('abort', finish, { once: true });
    void proc.ended.then(finish);
  });
}

export async function waitForPort(
  proc: ManagedProcess,
  req: WaitForPortRequest,
  signal: AbortSignal,
): Promise<WaitForPortResult> {
  const timeout = req.timeout ?? DEFAULT_PORT_TIMEOUT_MS;
  const deadline = Date.now() + timeout;
  for (;;) {
    if (!proc.running) {
      const message = `process '${proc.id}' exited (code ${proc.exitCode ?? -1}) before port ${req.port} was ready`;
      throw new PaddockError('PROCESS_EXITED_BEFORE_READY', message, {
        processId: proc.id,
        exitCode: proc.exitCode ?? -1,
      });
    }
    if (await check(req)) return { processId: proc.id, port: req.port, ready: true };
    if (signal.aborted) throw new PaddockError('PROCESS_READY_TIMEOUT', 'the caller went away');
    if (Date.now() >= deadline) {
      throw new PaddockError(
        'PROCESS_READY_TIMEOUT',
        `port ${req.port} was not ready after ${timeout} ms`,
        { processId: proc.id, port: req.port },
      );
    }
    await pause(Math.min(req.interval ?? DEFAULT_INTERVAL_MS, deadline - Date.now()), proc, signal);
  }
}
