/**
 * Routes of sessions and of the sandbox's env. A session is a persistent shell in the sandbox's
 * agent; its file routes resolve relative paths against the session's cwd, then act as the
 * sandbox's own file routes do.
 */
import { posix } from 'node:path';
import {
  AGENT_OPS,
  createSessionRequestSchema,
  execRequestSchema,
  execResultSchema,
  parse,
  sandboxEnvResultSchema,
  sessionDeletedSchema,
  sessionIdSchema,
  sessionInfoSchema,
  sessionListSchema,
  setEnvRequestSchema,
  type AgentRequest,
  type Schema,
  validOrThrow,
} from '@paddock/protocol';
import type { SandboxService } from '../core/sandbox-service.js';
import { route, type RequestContext, type Route } from './route.js';

const byId = '/v1/sandboxes/{id}';
const bySession = `${byId}/sessions/{sessionId}`;

type Ctx = RequestContext<unknown>;
const sandboxOf = (ctx: Ctx): string => ctx.params['id'] as string;

function sessionOf(ctx: Ctx): string {
  return validOrThrow(parse(sessionIdSchema, ctx.params['sessionId'], 'path.sessionId'));
}

export function sessionRoutes(core: SandboxService): Route[] {
  return [...envRoutes(core), ...lifecycleRoutes(core), ...workRoutes(core), ...fileRoutes(core)];
}

function envRoutes(core: SandboxService): Route[] {
  return [
    route({
      method: 'PUT',
      path: `${byId}/env`,
      summary:
        'Set (or, with null, unset) env of sessionless commands and of sessions created later',
      auth: true,
      body: setEnvRequestSchema,
      reply: sandboxEnvResultSchema,
      handle: (ctx) => ({
        id: sandboxOf(ctx),
        names: core.setEnvVars(ctx.tenant, sandboxOf(ctx), ctx.body.env),
      }),
    }),
  ];
}

function lifecycleRoutes(core: SandboxService): Route[] {
  return [
    route({
      method: 'POST',
      path: `${byId}/sessions`,
      summary: 'Create a session: a persistent shell (cd, export and functions persist)',
      auth: true,
      body: createSessionRequestSchema,
      reply: sessionInfoSchema,
      status: 201,
      handle: ({ tenant, params, body }) =>
        core.createSession(tenant, params['id'] as string, body),
    }),
    route({
      method: 'GET',
      path: `${byId}/sessions`,
      summary: "List the sandbox's sessions",
      auth: true,
      reply: sessionListSchema,
      handle: (ctx) => core.agentOp(ctx.tenant, sandboxOf(ctx), 'listSessions', {}),
    }),
    route({
      method: 'GET',
      path: bySession,
      summary: 'Get a session (its cwd)',
      auth: true,
      reply: sessionInfoSchema,
      handle: (ctx) =>
        core.agentOp(ctx.tenant, sandboxOf(ctx), 'getSession', { sessionId: sessionOf(ctx) }),
    }),
    route({
      method: 'DELETE',
      path: bySession,
      summary: 'Delete a session, killing its shell and every process it started',
      auth: true,
      reply: sessionDeletedSchema,
      handle: (ctx) =>
        core.agentOp(ctx.tenant, sandboxOf(ctx), 'deleteSession', { sessionId: sessionOf(ctx) }),
    }),
  ];
}

function workRoutes(core: SandboxService): Route[] {
  return [
    route({
      method: 'POST',
      path: `${bySession}/exec`,
      summary:
        "Run a command in the session's shell and wait for it (calls of one session run in turn)",
      auth: true,
      body: execRequestSchema,
      reply: execResultSchema,
      handle: (ctx) => {
        const req = { ...ctx.body, sessionId: sessionOf(ctx) };
        return core.agentOp(ctx.tenant, sandboxOf(ctx), 'sessionExec', req);
      },
    }),
    route({
      method: 'PUT',
      path: `${bySession}/env`,
      summary: 'Set (or, with null, unset) env in this session only',
      auth: true,
      body: setEnvRequestSchema,
      reply: sessionInfoSchema,
      handle: (ctx) => {
        const req = { sessionId: sessionOf(ctx), env: ctx.body.env };
        return core.agentOp(ctx.tenant, sandboxOf(ctx), 'sessionSetEnv', req);
      },
    }),
  ];
}

type FileOp =
  | 'writeFile'
  | 'readFile'
  | 'mkdir'
  | 'deleteFile'
  | 'renameFile'
  | 'moveFile'
  | 'listFiles'
  | 'exists';

const FILE_OPS: readonly FileOp[] = [
  'writeFile',
  'readFile',
  'mkdir',
  'deleteFile',
  'renameFile',
  'moveFile',
  'listFiles',
  'exists',
];

/** Every field of a file request that names a path. */
const PATH_FIELDS = ['path', 'oldPath', 'newPath', 'sourcePath', 'destinationPath'];

function fileRoutes(core: SandboxService): Route[] {
  return FILE_OPS.map((op) => fileRoute(core, op));
}

function fileRoute<K extends FileOp>(core: SandboxService, op: K): Route {
  return route({
    method: 'POST',
    path: `${bySession}${AGENT_OPS[op].path}`,
    summary: `As ${byId}${AGENT_OPS[op].path}, with relative paths from the session's cwd`,
    auth: true,
    body: AGENT_OPS[op].request as Schema<AgentRequest<K>>,
    reply: AGENT_OPS[op].reply,
    handle: async (ctx) => {
      const id = sandboxOf(ctx);
      const session = await core.agentOp(ctx.tenant, id, 'getSession', {
        sessionId: sessionOf(ctx),
      });
      const body: Record<string, unknown> = { ...ctx.body };
      for (const field of PATH_FIELDS) {
        const value = body[field];
        if (typeof value === 'string') body[field] = posix.resolve(session.cwd, value);
      }
      return core.agentOp(ctx.tenant, id, op, body as AgentRequest<K>);
    },
  });
}
