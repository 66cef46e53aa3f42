/**
 * Every sandbox route of a live daemon, read from its /v1/openapi.json, with a minimal valid
 * request made from the route's own schemas, so routes added later are attacked too.
 */
type Json = Record<string, any>;

export interface RouteCall {
  method: string;
  path: string;
  /** True for the WebSocket route (attacked by a WebSocket handshake, not plain HTTP). */
  websocket: boolean;
  /** True for routes that answer Server-Sent Events. */
  sse: boolean;
  url: (id: string) => string;
  body: string | undefined;
  contentType: string | undefined;
}

const PATHLIKE = /path$|^cwd$/i;

/** The smallest value the schema accepts, with a sandbox path for path-like names. */
export function sample(schema: Json, name = ''): unknown {
  if (schema['oneOf']) return sample(schema['oneOf'][0], name);
  if (schema['enum']) return schema['enum'][0];
  const type = Array.isArray(schema['type']) ? schema['type'][0] : schema['type'];
  switch (type) {
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const key of schema['required'] ?? []) out[key] = sample(schema['properties'][key], key);
      return out;
    }
    case 'array':
      return Array.from({ length: schema['minItems'] ?? 0 }, () => sample(schema['items'], name));
    case 'integer':
    case 'number':
      return schema['minimum'] ?? 1;
    case 'boolean':
      return false;
    case 'string':
      return sampleString(schema, name);
    default:
      throw new Error(`no sample for schema of ${name}: ${JSON.stringify(schema)}`);
  }
}

function sampleString(schema: Json, name: string): string {
  const pattern = schema['pattern'] ? new RegExp(schema['pattern']) : undefined;
  const candidates = [PATHLIKE.test(name) ? '/workspace/hostile' : 'true', 'x1', '/x', 'a', '1'];
  const found = candidates.find((c) => !pattern || pattern.test(c));
  if (found === undefined) throw new Error(`no sample string for ${name}`);
  return found;
}

export async function sandboxRoutes(baseUrl: string): Promise<RouteCall[]> {
  const doc = (await (await fetch(`${baseUrl}/v1/openapi.json`)).json()) as Json;
  const calls: RouteCall[] = [];
  for (const [path, ops] of Object.entries(doc['paths'] as Json)) {
    if (!path.includes('{id}')) continue;
    for (const [method, op] of Object.entries(ops as Json))
      calls.push(callOf(baseUrl, path, method, op));
  }
  return calls;
}

function callOf(baseUrl: string, path: string, method: string, op: Json): RouteCall {
  const params: Json[] = op['parameters'] ?? [];
  const query = new URLSearchParams();
  let filled = path;
  for (const p of params) {
    if (p['name'] === 'id') continue;
    const v = String(sample(p['schema'], p['name']));
    if (p['in'] === 'path') filled = filled.replace(`{${p['name']}}`, encodeURIComponent(v));
    else query.set(p['name'], v);
  }
  const content: Json = op['requestBody']?.['content'] ?? {};
  const json = content['application/json']?.['schema'];
  const raw = content['application/octet-stream'] !== undefined;
  const qs = query.size ? `?${query.toString()}` : '';
  return {
    method: method.toUpperCase(),
    path,
    websocket: path.endsWith('/pty'),
    sse: JSON.stringify(op['responses']?.['200'] ?? {}).includes('text/event-stream'),
    url: (id) => `${baseUrl}${filled.replace('{id}', id)}${qs}`,
    body: json ? JSON.stringify(sample(json)) : raw ? 'bytes' : undefined,
    contentType: json ? 'application/json' : raw ? 'application/octet-stream' : undefined,
  };
}
