/** The OpenAPI document, generated from the route table and the protocol schemas. */
import { ERRORS, pathSchema, type ErrorCode } from '@paddock/protocol';
import { PARAM_SCHEMAS, paramsOf } from './params.js';
import type { Route } from './route.js';

const errorSchema = {
  type: 'object',
  required: ['code', 'message'],
  properties: {
    code: { type: 'string', enum: Object.keys(ERRORS) },
    message: { type: 'string' },
    details: { type: 'object' },
  },
};

export function openApiDocument(
  routes: readonly Route[],
  version: string,
): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of routes) {
    paths[r.path] ??= {};
    (paths[r.path] as Record<string, unknown>)[r.method.toLowerCase()] = operation(r);
  }
  return {
    openapi: '3.1.0',
    info: { title: 'Paddock API', version },
    components: {
      schemas: { Error: errorSchema },
      securitySchemes: { apiKey: { type: 'http', scheme: 'bearer' } },
    },
    paths,
  };
}

const MEDIA = {
  json: 'application/json',
  sse: 'text/event-stream',
  bytes: 'application/octet-stream',
} as const;

function operation(r: Route): Record<string, unknown> {
  const op: Record<string, unknown> = {
    summary: r.summary,
    responses: {
      [String(r.status ?? 200)]: {
        description: 'OK',
        content: {
          [MEDIA[r.stream ?? 'json']]: { schema: r.reply === 'any' ? {} : r.reply.json },
        },
      },
      default: {
        description: `An error; codes: ${(Object.keys(ERRORS) as ErrorCode[]).join(', ')}`,
        content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
      },
    },
  };
  if (r.auth) op['security'] = [{ apiKey: [] }];
  // Path parameters from the same table the server validates them with (api/params.ts).
  const inPath = paramsOf(r.path).map((name) => ({
    name,
    in: 'path',
    required: true,
    schema: PARAM_SCHEMAS[name]?.json ?? {},
  }));
  if (inPath.length > 0) op['parameters'] = inPath;
  if (r.body) {
    op['requestBody'] = {
      required: true,
      content: { 'application/json': { schema: r.body.json } },
    };
  }
  if (r.rawBody) {
    op['requestBody'] = { required: true, content: { 'application/octet-stream': { schema: {} } } };
  }
  if (r.rawBody || r.stream === 'bytes') {
    const path = { name: 'path', in: 'query', required: true, schema: pathSchema.json };
    op['parameters'] = [...((op['parameters'] as unknown[] | undefined) ?? []), path];
  }
  return op;
}
