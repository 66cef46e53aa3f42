/** Routes of the sandbox resource: parse and validate, call the core, return its answer. */
import {
  createSandboxSchema,
  deletedSchema,
  execRequestSchema,
  execResultSchema,
  readFileRequestSchema,
  readFileResultSchema,
  sandboxInfoSchema,
  sandboxListSchema,
  writeFileRequestSchema,
  writeFileResultSchema,
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
      path: `${byId}/files/write`,
      summary: 'Write a file (atomically; parent directories are created)',
      auth: true,
      body: writeFileRequestSchema,
      reply: writeFileResultSchema,
      handle: ({ tenant, params, body }) => core.writeFile(tenant, params['id'] as string, body),
    }),
    route({
      method: 'POST',
      path: `${byId}/files/read`,
      summary: 'Read a file',
      auth: true,
      body: readFileRequestSchema,
      reply: readFileResultSchema,
      handle: ({ tenant, params, body }) => core.readFile(tenant, params['id'] as string, body),
    }),
  ];
}
