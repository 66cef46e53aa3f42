/**
 * Routes of background processes, `/v1/sandboxes/{id}/processes[/{processId}[/…]]`: validate,
 * then pass the operation to the sandbox's agent, which keeps the process table.
 */
import {
  killAllResultSchema,
  killBodySchema,
  parse,
  processIdSchema,
  processInfoSchema,
  processListSchema,
  processLogEventSchema,
  processLogsSchema,
  startProcessRequestSchema,
  waitForPortBodySchema,
  waitForPortResultSchema,
  validOrThrow,
} from '@paddock/protocol';
import type { SandboxService } from '../core/sandbox-service.js';
import { route, type Route } from './route.js';

const base = '/v1/sandboxes/{id}/processes';
const one = `${base}/{processId}`;

/** The path's process id, checked like any field (only `{id}` is checked by the server). */
function ids(params: Record<string, string>): { id: string; processId: string } {
  const processId = validOrThrow(parse(processIdSchema, params['processId'], 'path.processId'));
  return { id: params['id'] as string, processId };
}

export function processRoutes(core: SandboxService): Route[] {
  return [...tableRoutes(core), ...oneRoutes(core), ...logRoutes(core)];
}

function tableRoutes(core: SandboxService): Route[] {
  return [
    route({
      method: 'POST',
      path: base,
      summary: 'Start a background process (detached; stdin is /dev/null)',
      auth: true,
      body: startProcessRequestSchema,
      reply: processInfoSchema,
      status: 201,
      handle: ({ tenant, params, body }) => core.startProcess(tenant, params['id'] as string, body),
    }),
    route({
      method: 'GET',
      path: base,
      summary: "List the sandbox's processes, running and finished",
      auth: true,
      reply: processListSchema,
      handle: ({ tenant, params }) =>
        core.agentOp(tenant, params['id'] as string, 'listProcesses', {}),
    }),
    route({
      method: 'POST',
      path: `${base}/kill-all`,
      summary: 'Kill every running process tree (SIGKILL after a grace period)',
      auth: true,
      body: killBodySchema,
      reply: killAllResultSchema,
      handle: ({ tenant, params, body }) =>
        core.agentOp(tenant, params['id'] as string, 'killAllProcesses', body),
    }),
  ];
}

function oneRoutes(core: SandboxService): Route[] {
  return [
    route({
      method: 'GET',
      path: one,
      summary: "A process's status",
      auth: true,
      reply: processInfoSchema,
      handle: ({ tenant, params }) => {
        const { id, processId } = ids(params);
        return core.agentOp(tenant, id, 'getProcess', { processId });
      },
    }),
    route({
      method: 'POST',
      path: `${one}/kill`,
      summary: "Kill a process's whole tree: the signal (default SIGTERM), SIGKILL after 5 s",
      auth: true,
      body: killBodySchema,
      reply: processInfoSchema,
      handle: ({ tenant, params, body }) => {
        const { id, processId } = ids(params);
        return core.agentOp(tenant, id, 'killProcess', { processId, ...body });
      },
    }),
    route({
      method: 'POST',
      path: `${one}/wait-for-port`,
      summary: 'Wait, inside the sandbox, until a port answers (TCP connect or HTTP status)',
      auth: true,
      body: waitForPortBodySchema,
      reply: waitForPortResultSchema,
      handle: ({ tenant, params, body }) => {
        const { id, processId } = ids(params);
        return core.agentOp(tenant, id, 'waitForPort', { processId, ...body });
      },
    }),
  ];
}

function logRoutes(core: SandboxService): Route[] {
  return [
    route({
      method: 'GET',
      path: `${one}/logs`,
      summary: "A process's kept output (the last 1 MiB per stream), also after it exited",
      auth: true,
      reply: processLogsSchema,
      handle: ({ tenant, params }) => {
        const { id, processId } = ids(params);
        return core.agentOp(tenant, id, 'getProcessLogs', { processId });
      },
    }),
    route({
      method: 'POST',
      path: `${one}/logs/stream`,
      summary: "A process's output as SSE: what was kept, then live, then exit (or error)",
      auth: true,
      reply: processLogEventSchema,
      stream: 'sse',
      handle: ({ tenant, params, signal }) => {
        const { id, processId } = ids(params);
        return core.processLogs(tenant, id, processId, signal);
      },
    }),
  ];
}
