/**
 * The agent's HTTP server: bearer auth on every request, then one JSON route per operation in protocol's AGENT_OPS. Every failure is
 * an ErrorBody with the registry's status; nothing a request does can crash the process.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import {
  AGENT_AUTH_HEADER,
  AGENT_OPS,
  AGENT_PROTOCOL_VERSION,
  AGENT_ROUTES,
  DEFAULT_OUTPUT_LIMIT_BYTES,
  MAX_JSON_BODY_BYTES,
  MAX_READ_FILE_BYTES,
  PaddockError,
  WORKSPACE_DIR,
  execRequestSchema,
  type AgentHealth,
  type AgentOpName,
  type AgentReply,
  type AgentRequest,
  type Schema,
} from '@paddock/protocol';
import { TokenGate, type Identity } from './claim.js';
import { commandEnv, runCommand } from './exec.js';
import { streamCommand, type EventSink } from './exec-stream.js';
import { readToStream, writeFromStream } from './file-stream.js';
import { deleteFile, exists, listFiles, makeDir, moveFile, renameFile } from './file-ops.js';
import { readFile, writeFile } from './files.js';
import { readJson, sendError, sendJson } from './http.js';
import { describe, log } from './log.js';
import { ProcessTable, processHandlers, processLogStream } from './processes/index.js';
import { ptyUpgradeHandler } from './pty/attach.js';
import { ptysOf } from './pty/table.js';
import { watchStream } from './watch/index.js';
import { SESSION_HANDLERS, sessionsOf } from './sessions/handlers.js';
import { startProcessIn } from './processes/in-session.js';
import { AGENT_VERSION } from './version.js';
import { CODE_HANDLERS, contextsOf, runCodeStream } from './interpreter/handlers.js';
import { gitCheckout } from './git.js';

export interface AgentServerOptions {
  token: string;
  /** Default cwd and base of relative paths; tests point it at a temp dir. */
  workspaceDir?: string;
  maxBodyBytes?: number;
  outputLimitBytes?: number;
  maxReadFileBytes?: number;
  /** The environment commands inherit (minus the agent's own variables); default process.env. */
  env?: NodeJS.ProcessEnv;
  /** Where a pool claim writes the sandbox's name (default: the sandbox's /etc/hosts and UTS name). */
  identity?: Identity;
  /** How long a killed process tree has before SIGKILL (default 5 s); tests shorten it. */
  killGraceMs?: number;
}

interface Context {
  workspaceDir: string;
  maxBodyBytes: number;
  outputLimitBytes: number;
  maxReadFileBytes: number;
  baseEnv: Record<string, string>;
  processes: ProcessTable;
  gate: TokenGate;
}

type Handler = (ctx: Context, req: IncomingMessage, res: ServerResponse) => Promise<void>;

interface Route {
  method: 'GET' | 'POST';
  handle: Handler;
}

const health: Handler = (_ctx, _req, res) => {
  const body: AgentHealth = {
    status: 'ok',
    protocol: AGENT_PROTOCOL_VERSION,
    agentVersion: AGENT_VERSION,
  };
  sendJson(res, 200, body);
  return Promise.resolve();
};

type OpHandler<K extends AgentOpName> = (
  request: AgentRequest<K>,
  ctx: Context,
  signal: AbortSignal,
) => Promise<AgentReply<K>>;

/** One handler per operation of the agent channel (protocol AGENT_OPS). */
const HANDLERS: { [K in AgentOpName]: OpHandler<K> } = {
  exec: (r, ctx, signal) =>
    runCommand(r, {
      workspaceDir: ctx.workspaceDir,
      outputLimitBytes: ctx.outputLimitBytes,
      baseEnv: ctx.baseEnv,
      signal,
    }),
  writeFile: (r, ctx) => writeFile(r, ctx),
  readFile: (r, ctx) => readFile(r, ctx),
  mkdir: (r, ctx) => makeDir(r, ctx),
  deleteFile: (r, ctx) => deleteFile(r, ctx),
  renameFile: (r, ctx) => renameFile(r, ctx),
  moveFile: (r, ctx) => moveFile(r, ctx),
  listFiles: (r, ctx) => listFiles(r, ctx),
  exists: (r, ctx) => exists(r, ctx),
  ...processHandlers<Context>(),
  startProcess: (r, ctx) => startProcessIn(r, ctx.processes, sessionsOf(ctx)),
  ...SESSION_HANDLERS,
  ...CODE_HANDLERS,
  gitCheckout: (r, ctx, signal) => gitCheckout(r, { ...ctx, signal }),
  claim: (r, ctx) => ctx.gate.claim(r),
};

function opRoute<K extends AgentOpName>(name: K): Route {
  const handle: Handler = async (ctx, req, res) => {
    const schema = AGENT_OPS[name].request as Schema<AgentRequest<K>>;
    const request = await readJson(req, schema, ctx.maxBodyBytes);
    // The caller hanging up (daemon restart, client timeout) kills a running command's group.
    const abort = new AbortController();
    res.once('close', () => {
      if (!res.writableEnded) abort.abort();
    });
    if (res.destroyed || req.socket.destroyed) abort.abort(); // gone while the body was read
    sendJson(res, 200, await HANDLERS[name](request, ctx, abort.signal));
  };
  return { method: 'POST', handle };
}

/** NDJSON stream of ExecEvent; errors found before the command starts are ordinary replies. */
const execStream: Handler = async (ctx, req, res) => {
  const request = await readJson(req, execRequestSchema, ctx.maxBodyBytes);
  const abort = new AbortController();
  res.once('close', () => {
    if (!res.writableEnded) abort.abort();
  });
  const opts = { ...ctx, signal: abort.signal };
  let headersSent = false;
  const sink: EventSink = {
    emit: (event) => {
      if (!headersSent) {
        res.writeHead(200, { 'content-type': 'application/x-ndjson', 'cache-control': 'no-store' });
        headersSent = true;
      }
      return res.write(`${JSON.stringify(event)}\n`);
    },
    drained: (cb) => res.once('drain', cb),
  };
  await streamCommand(request, opts, sink);
  res.end();
};

const ROUTES: ReadonlyMap<string, Route> = new Map<string, Route>([
  [AGENT_ROUTES.health, { method: 'GET', handle: health }],
  [AGENT_ROUTES.execStream, { method: 'POST', handle: execStream }],
  [AGENT_ROUTES.processLogs, { method: 'POST', handle: processLogStream }],
  [AGENT_ROUTES.watch, { method: 'POST', handle: watchStream }],
  [AGENT_ROUTES.runCode, { method: 'POST', handle: runCodeStream }],
  [
    AGENT_ROUTES.writeStream,
    {
      method: 'POST',
      handle: async (ctx, req, res) =>
        sendJson(res, 200, await writeFromStream(req, ctx.workspaceDir)),
    },
  ],
  [
    AGENT_ROUTES.readStream,
    { method: 'GET', handle: (ctx, req, res) => readToStream(req, res, ctx.workspaceDir) },
  ],
  ...(Object.keys(AGENT_OPS) as AgentOpName[]).map((name): [string, Route] => [
    AGENT_OPS[name].path,
    opRoute(name),
  ]),
]);

function pathOf(url: string | undefined): string {
  const raw = url ?? '/';
  const q = raw.indexOf('?');
  return q === -1 ? raw : raw.slice(0, q);
}

async function dispatch(
  ctx: Context,
  authorized: (header: string | undefined) => boolean,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  // Auth comes first so an unauthenticated caller learns nothing, not even which routes exist.
  if (!authorized(req.headers[AGENT_AUTH_HEADER])) {
    throw new PaddockError('UNAUTHORIZED', 'missing or wrong agent token');
  }
  const path = pathOf(req.url);
  const route = ROUTES.get(path);
  if (!route) throw new PaddockError('ROUTE_NOT_FOUND', `no route ${path}`);
  if (req.method !== route.method) {
    const err = new PaddockError('METHOD_NOT_ALLOWED', `${path} accepts ${route.method} only`);
    sendError(res, err, { allow: route.method });
    return;
  }
  await route.handle(ctx, req, res);
}

function contextOf(opts: AgentServerOptions, gate: TokenGate): Context {
  const workspaceDir = opts.workspaceDir ?? WORKSPACE_DIR;
  const baseEnv = commandEnv(opts.env ?? process.env);
  return {
    processes: new ProcessTable({ workspaceDir, baseEnv, killGraceMs: opts.killGraceMs }),
    workspaceDir,
    maxBodyBytes: opts.maxBodyBytes ?? MAX_JSON_BODY_BYTES,
    outputLimitBytes: opts.outputLimitBytes ?? DEFAULT_OUTPUT_LIMIT_BYTES,
    maxReadFileBytes: opts.maxReadFileBytes ?? MAX_READ_FILE_BYTES,
    baseEnv,
    gate,
  };
}

/** Malformed HTTP: answer 400 if the socket still can, and never let its error escape. */
function onClientError(err: Error & { code?: string }, socket: Socket): void {
  if (err.code !== 'ECONNRESET' && socket.writable) {
    socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
  } else {
    socket.destroy();
  }
}

export function createAgentServer(opts: AgentServerOptions): Server {
  const gate = new TokenGate(opts.token, opts.identity);
  const ctx = contextOf(opts, gate);
  // Processes started in a session end with it.
  sessionsOf(ctx).onDelete((id) => void ctx.processes.killSession(id));
  const authorized = gate.authorized;
  const server = createServer((req, res) => {
    dispatch(ctx, authorized, req, res).catch((err: unknown) => {
      if (!(err instanceof PaddockError))
        log(`request ${pathOf(req.url)} failed: ${describe(err)}`);
      sendError(res, err);
    });
  });
  // Bounds on receiving a request only: once its body is in, a command may run for up to 24 h,
  // so there is no socket inactivity timeout (server.timeout) while the reply is pending.
  server.headersTimeout = 60_000;
  server.requestTimeout = 15 * 60_000; // a 64 MiB body over a slow link
  server.timeout = 0;
  server.keepAliveTimeout = 5_000;
  server.on('clientError', onClientError);
  server.on('upgrade', ptyUpgradeHandler(ctx, authorized));
  server.on('close', () => ptysOf(ctx).closeAll());
  server.on('close', () => ctx.processes.shutdown());
  server.on('close', () => void sessionsOf(ctx).closeAll());
  server.on('close', () => contextsOf(ctx).closeAll());
  return server;
}
