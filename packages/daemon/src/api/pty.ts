/**
 * `GET /v1/sandboxes/{id}/pty` as a WebSocket: the terminal of a session (protocol/pty.ts).
 * Everything is checked before the upgrade, each failure an ordinary JSON error reply: the API
 * key (the Authorization header, or for browsers, which cannot set headers on a WebSocket, the
 * subprotocol `paddock.key.<key>`; never the URL, which ends up in logs), the sandbox id and
 * query, the sandbox (another tenant's is not found), and the agent's attach. Plain HTTP on the
 * route gets 426 from the ordinary route table.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import {
  MAX_PTY_FRAME_BYTES,
  PTY_KEY_PROTOCOL_PREFIX,
  PaddockError,
  scopeAllows,
  parse,
  parsePtyAttach,
  sandboxIdSchema,
  type PtyAttach,
  validOrThrow,
} from '@paddock/protocol';
import { authenticate } from '../auth/api-keys.js';
import type { SandboxService } from '../core/sandbox-service.js';
import type { Logger } from '../log.js';
import type { KeyStore } from '../store/keys.js';
import { relayPty } from './pty-relay.js';
import { route, type Route } from './route.js';

/** The subprotocol a client offers beside its key; the server picks it, never the key. */
export const PTY_PROTOCOL = 'paddock.pty';
const PTY_PATH = /^\/v1\/sandboxes\/([^/]+)\/pty$/;

export function ptyRoutes(core: SandboxService): Route[] {
  return [
    route({
      method: 'GET',
      path: '/v1/sandboxes/{id}/pty',
      summary:
        'Terminal of a session over WebSocket (query session, cols, rows): binary frames carry ' +
        'terminal bytes, text frames JSON control (resize; ready, exit, error)',
      auth: true,
      reply: 'any',
      handle: ({ tenant, params }) => {
        core.get(tenant, params['id'] as string); // an unknown sandbox is 404, not 426
        throw new PaddockError('UPGRADE_REQUIRED', 'This route speaks WebSocket only');
      },
    }),
  ];
}

export interface PtyUpgradeDeps {
  core: SandboxService;
  keys: KeyStore;
  log: Logger;
}

export function ptyUpgrade(
  deps: PtyUpgradeDeps,
): (req: IncomingMessage, socket: Duplex, head: Buffer) => void {
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: MAX_PTY_FRAME_BYTES,
    handleProtocols: (offered) => (offered.has(PTY_PROTOCOL) ? PTY_PROTOCOL : false),
  });
  return (req, socket, head) => {
    socket.on('error', () => socket.destroy());
    void open(deps, req).then(
      ({ tenant, id, agent }) => {
        agent.socket.on('error', () => agent.socket.destroy());
        if (socket.destroyed) {
          agent.socket.destroy();
          return;
        }
        wss.handleUpgrade(req, socket, head, (ws) => {
          deps.log.info('pty attached', { tenant, id });
          relayPty(ws, agent);
        });
      },
      (err: unknown) => refuse(deps.log, socket, err),
    );
  };
}

async function open(deps: PtyUpgradeDeps, req: IncomingMessage) {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const m = PTY_PATH.exec(url.pathname);
  if (!m || req.method !== 'GET') {
    throw new PaddockError('ROUTE_NOT_FOUND', `No WebSocket route ${req.method} ${url.pathname}`);
  }
  const tenant = tenantOf(deps.keys, req);
  const id = validOrThrow(parse(sandboxIdSchema, decodeURIComponent(m[1] as string), 'path.id'));
  const attach: PtyAttach = validOrThrow(parsePtyAttach((n) => url.searchParams.get(n)));
  checkHandshake(req);
  const agent = await deps.core.openPty(tenant, id, attach);
  return { tenant, id, agent };
}

function tenantOf(keys: KeyStore, req: IncomingMessage): string {
  const offered = (req.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim());
  const fromProtocol = offered.find((p) => p.startsWith(PTY_KEY_PROTOCOL_PREFIX));
  const header =
    req.headers.authorization ??
    (fromProtocol ? `Bearer ${fromProtocol.slice(PTY_KEY_PROTOCOL_PREFIX.length)}` : undefined);
  const key = authenticate(keys, header);
  if (!key) {
    const why = header ? 'The API key is not valid' : 'No API key was sent';
    throw new PaddockError('UNAUTHORIZED', why);
  }
  // A terminal runs commands.
  if (!scopeAllows(key.scopes, 'exec')) {
    throw new PaddockError(
      'FORBIDDEN',
      `This key's scopes (${key.scopes.join(', ')}) do not include 'exec'`,
    );
  }
  return key.tenant;
}

/** What ws would refuse after we opened the agent side, refused before it instead. */
function checkHandshake(req: IncomingMessage): void {
  const key = req.headers['sec-websocket-key'];
  const ok =
    (req.headers.upgrade ?? '').toLowerCase() === 'websocket' &&
    req.headers['sec-websocket-version'] === '13' &&
    typeof key === 'string' &&
    /^[+/0-9A-Za-z]{22}==$/.test(key);
  if (!ok)
    throw new PaddockError('UPGRADE_REQUIRED', 'Not a valid WebSocket (version 13) handshake');
}

function refuse(log: Logger, socket: Duplex, err: unknown): void {
  const known = err instanceof PaddockError;
  if (!known) log.error('pty upgrade failed', { error: String(err) });
  const e = known ? err : new PaddockError('INTERNAL_ERROR', 'Internal error');
  const body = JSON.stringify(e.toBody());
  if (socket.destroyed) return;
  socket.end(
    `HTTP/1.1 ${e.status} ${e.code}\r\nContent-Type: application/json\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}
