/** Routes of exposed ports (preview URLs); every one needs the `previews` scope. */
import {
  PaddockError,
  exposePortSchema,
  exposedPortSchema,
  parsePort,
  previewGrantRequestSchema,
  previewGrantSchema,
  previewListSchema,
  unexposedSchema,
} from '@paddock/protocol';
import type { PreviewService } from '../core/previews.js';
import { route, type Route } from './route.js';

const ports = '/v1/sandboxes/{id}/ports';

function portParam(params: Record<string, string>): number {
  const port = parsePort(params['port'] ?? '');
  if (port === undefined) {
    throw new PaddockError('VALIDATION_FAILED', 'path.port must be a port number (1-65535)', {
      field: 'path.port',
    });
  }
  return port;
}

export function previewRoutes(core: PreviewService): Route[] {
  const id = (params: Record<string, string>) => params['id'] as string;
  return [
    route({
      method: 'POST',
      path: ports,
      summary: 'Expose a port: a preview URL (shown once; it holds the token)',
      auth: true,
      scope: 'previews',
      body: exposePortSchema,
      reply: exposedPortSchema,
      status: 201,
      handle: ({ tenant, params, body }) => core.expose(tenant, id(params), body),
    }),
    route({
      method: 'GET',
      path: ports,
      summary: "List a sandbox's exposed ports (without their tokens)",
      auth: true,
      scope: 'previews',
      reply: previewListSchema,
      handle: ({ tenant, params }) => ({ ports: core.list(tenant, id(params)) }),
    }),
    route({
      method: 'DELETE',
      path: `${ports}/{port}`,
      summary: 'Unexpose a port: its token, links and cookies stop working at once',
      auth: true,
      scope: 'previews',
      reply: unexposedSchema,
      handle: ({ tenant, params }) => {
        const port = portParam(params);
        core.unexpose(tenant, id(params), port);
        return { port, unexposed: true };
      },
    }),
    route({
      method: 'POST',
      path: `${ports}/{port}/grants`,
      summary:
        'A signed expiring link to the preview (kind link), or a login path that sets the ' +
        "cookie of a private preview when opened on the preview's host (kind login)",
      auth: true,
      scope: 'previews',
      body: previewGrantRequestSchema,
      reply: previewGrantSchema,
      status: 201,
      handle: ({ tenant, params, body }) => core.grant(tenant, id(params), portParam(params), body),
    }),
  ];
}
