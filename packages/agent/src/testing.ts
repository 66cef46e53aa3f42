/**
 * An in-process agent on an ephemeral loopback port with a temp dir as its workspace, for this
 * package's tests and for tests of agent clients. Never used by the sandbox entry (main.ts).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import { createAgentServer, type AgentServerOptions } from './server.js';

export interface AgentReply {
  status: number;
  headers: Headers;
  // Replies are checked field by field in tests, so the body stays loosely typed here.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
}

export interface CallOptions {
  method?: string;
  /** Sent as JSON; a string or Buffer is sent as is. */
  body?: unknown;
  /** Overrides the agent's token; null sends no Authorization header. */
  auth?: string | null;
  signal?: AbortSignal;
}

export interface TestAgent {
  url: string;
  token: string;
  workspace: string;
  call(path: string, opts?: CallOptions): Promise<AgentReply>;
  close(): Promise<void>;
}

function encodeBody(body: unknown): string | Buffer | undefined {
  if (body === undefined || typeof body === 'string' || Buffer.isBuffer(body)) return body;
  return JSON.stringify(body);
}

export async function startTestAgent(opts: Partial<AgentServerOptions> = {}): Promise<TestAgent> {
  const workspace = opts.workspaceDir ?? (await mkdtemp(join(tmpdir(), 'paddock-agent-test-')));
  const token = opts.token ?? 'test-token-0123456789';
  // A claim must never rename the test host: its name lands in the workspace only.
  const identity = opts.identity ?? {
    hostsFile: join(workspace, 'hosts'),
    setHostname: () => Promise.resolve(false),
  };
  const server = createAgentServer({ ...opts, token, workspaceDir: workspace, identity });
  // Upgraded (terminal) sockets are not the HTTP server's to close; close() ends them itself.
  const upgraded = new Set<Duplex>();
  server.on('upgrade', (_req, socket: Duplex) => {
    upgraded.add(socket);
    socket.once('close', () => upgraded.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const call = async (path: string, o: CallOptions = {}): Promise<AgentReply> => {
    const auth = o.auth === undefined ? token : o.auth;
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (auth !== null) headers['authorization'] = `Bearer ${auth}`;
    const method = o.method ?? (o.body === undefined ? 'GET' : 'POST');
    const init: RequestInit = { method, headers, body: encodeBody(o.body) ?? null };
    if (o.signal) init.signal = o.signal;
    const res = await fetch(url + path, init);
    const text = await res.text();
    return {
      status: res.status,
      headers: res.headers,
      body: text ? (JSON.parse(text) as unknown) : undefined,
    };
  };

  const close = async (): Promise<void> => {
    server.closeAllConnections();
    for (const socket of upgraded) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    if (!opts.workspaceDir) await rm(workspace, { recursive: true, force: true });
  };
  return { url, token, workspace, call, close };
}
