/** Routes of the sandbox resource: parse and validate, call the core, return its answer. */
import {
  AGENT_OPS,
  consoleLogSchema,
  createSandboxSchema,
  deletedSchema,
  execEventSchema,
  execRequestSchema,
  execResultSchema,
  networkPolicySchema,
  sandboxInfoSchema,
  sandboxListSchema,
  sandboxStatsSchema,
  type AgentOpName,
  type AgentRequest,
  type Schema,
} from '@paddock/protocol';
import type { SandboxService } from '../core/sandbox-service.js';
import { route, type Route } from './route.js';

const byId = '/v1/sandboxes/{id}';

export function sandboxRoutes(core: SandboxService): Route[] {
  return [...lifecycleRoutes(core), ...workRoutes(core)];
}

function lifecycleRoutes(core: SandboxService): Route[] {
  return [
    route({
      method: 'POST',
      path: '/v1/sandboxes',
      summary: 'Create a sandbox',
      auth: true,
      body: createSandboxSchema,
      reply: sandboxInfoSchema,
      status: 201,
      handle: ({ tenant, body }) => core.create(tenant, body),
    }),
    route({
      method: 'GET',
      path: '/v1/sandboxes',
      summary: "List the caller's sandboxes",
      auth: true,
      reply: sandboxListSchema,
      handle: ({ tenant }) => ({ sandboxes: core.list(tenant) }),
    }),
    route({
      method: 'GET',
      path: byId,
      summary: 'Get a sandbox',
      auth: true,
      reply: sandboxInfoSchema,
      handle: ({ tenant, params }) => core.get(tenant, params['id'] as string),
    }),
    route({
      method: 'PUT',
      path: `${byId}/network`,
      summary: "Replace a running sandbox's egress policy (takes effect for new connections)",
      auth: true,
      body: networkPolicySchema,
      reply: sandboxInfoSchema,
      handle: ({ tenant, params, body }) =>
        core.setNetworkPolicy(tenant, params['id'] as string, body),
    }),
    route({
      method: 'DELETE',
      path: byId,
      summary: 'Destroy a sandbox and everything it holds',
      auth: true,
      reply: deletedSchema,
      handle: async ({ tenant, params }) => {
        const id = params['id'] as string;
        await core.destroy(tenant, id);
        return { id, deleted: true };
      },
    }),
  ];
}

function workRoutes(core: SandboxService): Route[] {
  return [
    route({
      method: 'GET',
      path: `${byId}/stats`,
      summary: 'CPU time, memory, tasks and disk the sandbox uses (its cgroup and disk file)',
      auth: true,
      reply: sandboxStatsSchema,
      handle: ({ tenant, params }) => core.stats(tenant, params['id'] as string),
    }),
    route({
      method: 'GET',
      path: `${byId}/console`,
      summary: "The tail of the sandbox's console (VM serial console or container init output)",
      auth: true,
      reply: consoleLogSchema,
      handle: async ({ tenant, params }) => {
        const id = params['id'] as string;
        return { id, console: await core.consoleLog(tenant, id) };
      },
    }),
    route({
      method: 'POST',
      path: `${byId}/exec`,
      summary: 'Run a command and wait for it',
      auth: true,
      body: execRequestSchema,
      reply: execResultSchema,
      handle: ({ tenant, params, body }) => core.exec(tenant, params['id'] as string, body),
    }),
    route({
      method: 'POST',
      path: `${byId}/exec/stream`,
      summary: 'Run a command, streaming start, stdout, stderr and complete (or error) as SSE',
      auth: true,
      body: execRequestSchema,
      reply: execEventSchema,
      stream: 'sse',
      handle: ({ tenant, params, body, signal }) =>
        core.execStream(tenant, params['id'] as string, body, signal),
    }),
    ...FILE_OPS.map(([op, summary]) => fileRoute(core, op, summary)),
  ];
}

type FileOp = Exclude<AgentOpName, 'exec' | 'claim'>;

/** File operations: the route is the agent's own path under the sandbox. */
const FILE_OPS: ReadonlyArray<[FileOp, string]> = [
  ['writeFile', 'Write a file (atomically; parent directories are created)'],
  ['readFile', 'Read a file'],
  ['mkdir', 'Create a directory'],
  ['deleteFile', 'Delete a file (not a directory)'],
  ['renameFile', 'Rename a file or directory'],
  ['moveFile', 'Move a file or directory (into a directory keeps its name)'],
  ['listFiles', 'List a directory'],
  ['exists', 'Whether a path exists'],
];

function fileRoute<K extends FileOp>(core: SandboxService, op: K, summary: string): Route {
  return route({
    method: 'POST',
    path: `${byId}${AGENT_OPS[op].path}`,
    summary,
    auth: true,
    body: AGENT_OPS[op].request as Schema<AgentRequest<K>>,
    reply: AGENT_OPS[op].reply,
    handle: ({ tenant, params, body }) => core.agentOp(tenant, params['id'] as string, op, body),
  });
}
