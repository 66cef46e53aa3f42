/** The OpenAPI document, generated from the route table and the protocol schemas. */
import { ERRORS, sandboxIdSchema, type ErrorCode } from '@paddock/protocol';
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

function operation(r: Route): Record<string, unknown> {
  const op: Record<string, unknown> = {
    summary: r.summary,
    responses: {
      [String(r.status ?? 200)]: {
        description: 'OK',
        content: {
          [r.stream === 'sse' ? 'text/event-stream' : 'application/json']: {
            schema: r.reply === 'any' ? {} : r.reply.json,
          },
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
  if (r.body) {
    op['requestBody'] = {
      required: true,
      content: { 'application/json': { schema: r.body.json } },
    };
  }
  return op;
}
