/**
 * A small real HTTP server imitating the daemon's public routes, recording every request, for
 * the SDK's tests. Behaviour per route can be overridden to inject errors and delays.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ERRORS, type ErrorCode, type SandboxInfo } from '@paddock/protocol';

/** The request body fields the fake reads; tests compare the rest with toEqual. */
export interface WireBody {
  id?: string;
  path?: string;
  content?: string;
  encoding?: string;
  [key: string]: unknown;
}

export interface Recorded {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: WireBody;
}

export interface Reply {
  status: number;
  body?: unknown;
  /** Sent verbatim instead of JSON. */
  raw?: string;
  delayMs?: number;
}

export type Handler = (req: Recorded, id: string) => Reply | undefined;

export const API_KEY = 'test-key';

export function errorReply(code: ErrorCode, message: string, details?: object): Reply {
  return { status: ERRORS[code].status, body: { code, message, details } };
}

export function sandboxInfo(id: string): SandboxInfo {
  return {
    id,
    state: 'running',
    stateReason: undefined,
    backend: 'jail',
    isolation: 'namespace',
    createdAt: '2026-12-04T12:00:00.000Z',
    limits: {
      cpuMillis: 1000,
      memoryMiB: 256,
      diskMiB: 1024,
      pids: 256,
      inodes: 65_536,
      openFiles: 4096,
      maxCommandMs: 3_600_000,
      maxProcesses: 256,
      maxSessions: 32,
    },
    network: { internet: false, allow: [], deny: [] },
  };
}

export class FakeDaemon {
  readonly requests: Recorded[] = [];
  readonly sandboxes = new Map<string, SandboxInfo>();
  readonly files = new Map<string, { content: string; encoding: string }>();
  /** Checked before the default route; return undefined to fall through. */
  override: Handler | undefined;
  url = '';
  readonly #server: Server;

  private constructor() {
    this.#server = createServer((req, res) => {
      let data = '';
      req.on('data', (chunk: Buffer) => (data += chunk.toString()));
      req.on('end', () => {
        const rec: Recorded = {
          method: req.method ?? '',
          path: req.url ?? '',
          headers: req.headers,
          body: data ? (JSON.parse(data) as WireBody) : {},
        };
        this.requests.push(rec);
        const reply = this.#handle(rec);
        const send = () => {
          res.writeHead(reply.status, { 'content-type': 'application/json' });
          res.end(reply.raw ?? JSON.stringify(reply.body));
        };
        if (reply.delayMs) setTimeout(send, reply.delayMs);
        else send();
      });
    });
  }

  static async start(): Promise<FakeDaemon> {
    const d = new FakeDaemon();
    await new Promise<void>((resolve) => d.#server.listen(0, '127.0.0.1', resolve));
    d.url = `http://127.0.0.1:${(d.#server.address() as AddressInfo).port}`;
    return d;
  }

  close(): Promise<void> {
    this.#server.closeAllConnections();
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }

  /** Requests matching a method and path suffix, e.g. count('POST', '/v1/sandboxes'). */
  count(method: string, path: string): number {
    return this.requests.filter((r) => r.method === method && r.path === path).length;
  }

  #handle(rec: Recorded): Reply {
    if (rec.headers.authorization !== `Bearer ${API_KEY}`) {
      return errorReply('UNAUTHORIZED', 'bad key');
    }
    const m = /^\/v1\/sandboxes\/([^/]+)(\/.*)?$/.exec(rec.path);
    const id = m?.[1] ? decodeURIComponent(m[1]) : '';
    return this.override?.(rec, id) ?? this.#route(rec, id, m?.[2] ?? '');
  }

  #route(rec: Recorded, id: string, sub: string): Reply {
    const { method, path } = rec;
    if (method === 'GET' && path === '/v1/health') {
      return { status: 200, body: { status: 'ok', version: '0.1.0', backend: 'jail' } };
    }
    if (path === '/v1/sandboxes') {
      return method === 'POST' ? this.#create(rec.body) : this.#list();
    }
    if (!this.sandboxes.has(id)) return errorReply('SANDBOX_NOT_FOUND', `no sandbox "${id}"`);
    return this.#sandboxRoute(rec, id, sub);
  }

  #sandboxRoute(rec: Recorded, id: string, sub: string): Reply {
    const { path = '', content = '', encoding = 'utf-8' } = rec.body;
    const key = `${id}:${path}`;
    switch (`${rec.method} ${sub}`) {
      case 'GET ':
        return { status: 200, body: this.sandboxes.get(id) };
      case 'DELETE ':
        this.sandboxes.delete(id);
        return { status: 200, body: { id, deleted: true } };
      case 'POST /exec':
        return {
          status: 200,
          body: { success: true, exitCode: 0, stdout: 'ok\n', stderr: '', duration: 1 },
        };
      case 'POST /files/write':
        this.files.set(key, { content, encoding });
        return { status: 200, body: { path, bytes: content.length } };
      case 'POST /files/read': {
        const f = this.files.get(key);
        if (!f) return errorReply('FILE_NOT_FOUND', `no file ${path}`);
        return { status: 200, body: { path, ...f, size: f.content.length } };
      }
      default:
        return errorReply('ROUTE_NOT_FOUND', `${rec.method} ${rec.path}`);
    }
  }

  #create(body: WireBody): Reply {
    const id = body.id ?? `sbx-${this.sandboxes.size + 1}`;
    if (this.sandboxes.has(id)) return errorReply('SANDBOX_ALREADY_EXISTS', `"${id}" exists`);
    this.sandboxes.set(id, sandboxInfo(id));
    return { status: 201, body: this.sandboxes.get(id) };
  }

  #list(): Reply {
    return { status: 200, body: { sandboxes: [...this.sandboxes.values()] } };
  }
}
