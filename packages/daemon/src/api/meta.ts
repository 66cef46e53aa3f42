/** Unauthenticated routes: the explicit list of what answers without an API key. */
import type { BackendName } from '@paddock/protocol';
import { openApiDocument } from './openapi.js';
import { route, type Route } from './route.js';

export function metaRoutes(
  version: string,
  backend: BackendName,
  apiRoutes: readonly Route[],
): Route[] {
  const meta: Route[] = [
    route({
      method: 'GET',
      path: '/v1/health',
      summary: 'Liveness of the daemon',
      auth: false,
      reply: 'any',
      handle: () => ({ status: 'ok', version, backend }),
    }),
  ];
  const doc = openApiDocument([...meta, ...apiRoutes], version);
  meta.push(
    route({
      method: 'GET',
      path: '/v1/openapi.json',
      summary: 'This document',
      auth: false,
      reply: 'any',
      handle: () => doc,
    }),
  );
  return meta;
}
