/**
 * Routes of the code interpreter and of git, `/v1/sandboxes/{id}/code/…` and `/git/checkout`:
 * validate, then pass to the sandbox's agent (contexts live there, one interpreter process each).
 */
import {
  codeContextDeletedSchema,
  codeContextIdSchema,
  codeContextListSchema,
  codeContextSchema,
  codeEventSchema,
  createCodeContextRequestSchema,
  gitCheckoutRequestSchema,
  gitCheckoutResultSchema,
  parse,
  runCodeRequestSchema,
  validOrThrow,
} from '@paddock/protocol';
import type { SandboxService } from '../core/sandbox-service.js';
import { route, type Route } from './route.js';

const byId = '/v1/sandboxes/{id}';
const contexts = `${byId}/code/contexts`;

export function interpreterRoutes(core: SandboxService): Route[] {
  return [
    route({
      method: 'POST',
      path: contexts,
      summary:
        'Create a code context: a long-lived Python or Node interpreter whose state persists',
      auth: true,
      body: createCodeContextRequestSchema,
      reply: codeContextSchema,
      status: 201,
      handle: ({ tenant, params, body }) =>
        core.createCodeContext(tenant, params['id'] as string, body),
    }),
    route({
      method: 'GET',
      path: contexts,
      summary: "List the sandbox's code contexts",
      auth: true,
      reply: codeContextListSchema,
      handle: ({ tenant, params }) =>
        core.agentOp(tenant, params['id'] as string, 'listCodeContexts', {}),
    }),
    route({
      method: 'DELETE',
      path: `${contexts}/{contextId}`,
      summary: 'Delete a code context, ending its interpreter',
      auth: true,
      reply: codeContextDeletedSchema,
      handle: ({ tenant, params }) => {
        const contextId = validOrThrow(
          parse(codeContextIdSchema, params['contextId'], 'path.contextId'),
        );
        return core.agentOp(tenant, params['id'] as string, 'deleteCodeContext', { contextId });
      },
    }),
    route({
      method: 'POST',
      path: `${byId}/code/run`,
      summary:
        'Run code in a context as SSE: start, stdout/stderr/result/execution_error, then complete (or error)',
      auth: true,
      body: runCodeRequestSchema,
      reply: codeEventSchema,
      stream: 'sse',
      handle: ({ tenant, params, body, signal }) =>
        core.runCode(tenant, params['id'] as string, body, signal),
    }),
    route({
      method: 'POST',
      path: `${byId}/git/checkout`,
      summary: 'Clone a git repository into the sandbox (branch, depth, target directory)',
      auth: true,
      body: gitCheckoutRequestSchema,
      reply: gitCheckoutResultSchema,
      handle: ({ tenant, params, body }) =>
        core.agentOp(tenant, params['id'] as string, 'gitCheckout', body),
    }),
  ];
}
