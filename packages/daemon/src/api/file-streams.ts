/** Raw file streams: bytes in and out of a sandbox without a size cap, path in `?path=`. */
import { parse, pathSchema, writeFileResultSchema, validOrThrow } from '@paddock/protocol';
import type { SandboxService } from '../core/sandbox-service.js';
import { route, type Route } from './route.js';

function queryPath(query: URLSearchParams): string {
  return validOrThrow(parse(pathSchema, query.get('path'), 'query.path'));
}

export function fileStreamRoutes(core: SandboxService): Route[] {
  return [
    route({
      method: 'POST',
      path: '/v1/sandboxes/{id}/files/stream/write',
      summary:
        'Write a file from the raw request body (streamed, atomic, no size cap but the disk quota)',
      auth: true,
      rawBody: true,
      reply: writeFileResultSchema,
      handle: ({ tenant, params, query, raw, signal }) =>
        core.writeFileStream(tenant, params['id'] as string, queryPath(query), raw!, signal),
    }),
    route({
      method: 'GET',
      path: '/v1/sandboxes/{id}/files/stream/read',
      summary: "Read a file's raw bytes as a stream (no size cap)",
      auth: true,
      reply: 'any',
      stream: 'bytes',
      handle: ({ tenant, params, query, signal }) =>
        core.readFileStream(tenant, params['id'] as string, queryPath(query), signal),
    }),
  ];
}
