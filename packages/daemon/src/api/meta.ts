/** Unauthenticated routes: the explicit list of what answers without an API key. */
import type { Selection } from '../backends/select.js';
import { openApiDocument } from './openapi.js';
import { route, type Route } from './route.js';

export function metaRoutes(
  version: string,
  selection: Selection,
  apiRoutes: readonly Route[],
): Route[] {
  const backend = selection.backend.name;
  const backends = selection.available.map((b) => ({ name: b.name, isolation: b.isolation }));
  const meta: Route[] = [
    route({
      method: 'GET',
      path: '/v1/health',
      summary: 'Liveness of the daemon',
      auth: false,
      reply: 'any',
      handle: () => ({ status: 'ok', version, backend, backends }),
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
