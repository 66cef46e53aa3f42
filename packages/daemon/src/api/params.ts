/**
 * Every path parameter a route may have, with its schema: the server validates them all before
 * authentication's result is used for anything else, so no route can forget one. A route with a
 * parameter missing here fails closed (a test walks the whole route table).
 */
import {
  PaddockError,
  codeContextIdSchema,
  string,
  keyIdSchema,
  parse,
  processIdSchema,
  sandboxIdSchema,
  sessionIdSchema,
  tenantSchema,
  validOrThrow,
  type Schema,
} from '@paddock/protocol';

export const PARAM_SCHEMAS: Readonly<Record<string, Schema<string>>> = {
  id: sandboxIdSchema,
  processId: processIdSchema,
  sessionId: sessionIdSchema,
  keyId: keyIdSchema,
  tenant: tenantSchema,
  contextId: codeContextIdSchema,
  // Range-checked where it is used (api/previews.ts); here only its shape.
  port: string({ minLength: 1, maxLength: 5, pattern: /^[0-9]+$/, patternHint: 'a port number' }),
};

export function checkParams(params: Record<string, string>): void {
  for (const [name, value] of Object.entries(params)) {
    const schema = PARAM_SCHEMAS[name];
    if (!schema) throw new PaddockError('INTERNAL_ERROR', `No schema for path parameter ${name}`);
    validOrThrow(parse(schema, value, `path.${name}`));
  }
}

/** The parameter names in a route's path template. */
export function paramsOf(path: string): string[] {
  return [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1] as string);
}
