/**
 * `POST /v1/sandboxes/{id}/files/watch`: a directory's changes in the sandbox as SSE, relayed
 * from its agent, which does the watching (see protocol/watch.ts for the events and bounds).
 */
import { watchEventSchema, watchRequestSchema } from '@paddock/protocol';
import type { SandboxService } from '../core/sandbox-service.js';
import { route, type Route } from './route.js';

export function watchRoutes(core: SandboxService): Route[] {
  return [
    route({
      method: 'POST',
      path: '/v1/sandboxes/{id}/files/watch',
      summary:
        'Watch a directory: SSE of `watching`, then create/modify/delete/move events until the client leaves',
      auth: true,
      body: watchRequestSchema,
      reply: watchEventSchema,
      stream: 'sse',
      handle: ({ tenant, params, body, signal }) =>
        core.watch(tenant, params['id'] as string, body, signal),
    }),
  ];
}
