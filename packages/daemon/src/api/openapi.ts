/** The OpenAPI document, generated from the route table and the protocol schemas. */
import {
  ERRORS,
  pathSchema,
  processIdSchema,
  sessionIdSchema,
  sandboxIdSchema,
  type ErrorCode,
} from '@paddock/protocol';
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
  if (r.path.includes('{id}')) {
    op['parameters'] = [{ name: 'id', in: 'path', required: true, schema: sandboxIdSchema.json }];
  }
  if (r.path.includes('{processId}')) {
    const param = { name: 'processId', in: 'path', required: true, schema: processIdSchema.json };
    op['parameters'] = [...((op['parameters'] as unknown[] | undefined) ?? []), param];
  }
  if (r.path.includes('{sessionId}')) {
    const param = { name: 'sessionId', in: 'path', required: true, schema: sessionIdSchema.json };
    op['parameters'] = [...((op['parameters'] as unknown[] | undefined) ?? []), param];
  }
  if (r.path.includes('{port}')) {
    const schema = { type: 'integer', minimum: 1, maximum: 65535 };
    const param = { name: 'port', in: 'path', required: true, schema };
    op['parameters'] = [...((op['parameters'] as unknown[] | undefined) ?? []), param];
  }
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
