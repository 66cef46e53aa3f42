/**
 * A route: method, path template, the schemas of its body and reply, and a handler that turns
 * the validated request into one core call. The same table drives dispatch and the OpenAPI doc.
 */
import type { Readable } from 'node:stream';
import type { KeyScope, Schema } from '@paddock/protocol';

export interface RequestContext<B> {
  tenant: string;
  params: Record<string, string>;
  body: B;
  /** Aborted when the client goes away (streams stop, streamed commands are killed). */
  signal: AbortSignal;
  /** The query string's parameters. */
  query: URLSearchParams;
  /** The unread request body, for `rawBody` routes only. */
  raw: Readable | undefined;
}

export interface Route<B = unknown> {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** e.g. /v1/sandboxes/{id}/exec */
  path: string;
  summary: string;
  /** false only for the routes in the explicit unauthenticated list (health, openapi). */
  auth: boolean;
  body?: Schema<B>;
  reply: Schema<unknown> | 'any';
  /**
   * 'sse': the handler resolves to an AsyncIterable of events sent as Server-Sent Events.
   * 'bytes': it resolves to a Readable of raw bytes (application/octet-stream).
   */
  stream?: 'sse' | 'bytes';
  /** The body is raw bytes handed to the handler unread (`ctx.raw`), not JSON. */
  rawBody?: boolean;
  /** The key scope the route needs; when absent, see requiredScope. */
  scope?: KeyScope;
  status?: number;
  handle(ctx: RequestContext<B>): unknown;
}

/** Erase the body type so routes of different bodies share one table. */
export function route<B>(r: Route<B>): Route {
  return r;
}

export interface Match {
  route: Route;
  params: Record<string, string>;
}

/** Find the route for a method and path; `methodMismatch` when the path exists under another method. */
export function matchRoute(
  routes: readonly Route[],
  method: string,
  path: string,
): Match | 'methodMismatch' | undefined {
  let pathSeen = false;
  for (const r of routes) {
    const params = matchPath(r.path, path);
    if (!params) continue;
    pathSeen = true;
    if (r.method === method) return { route: r, params };
  }
  return pathSeen ? 'methodMismatch' : undefined;
}

function matchPath(template: string, path: string): Record<string, string> | undefined {
  const t = template.split('/');
  const p = path.split('/');
  if (t.length !== p.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < t.length; i++) {
    const seg = t[i] as string;
    const val = p[i] as string;
    if (seg.startsWith('{')) {
      if (!val) return undefined;
      try {
        params[seg.slice(1, -1)] = decodeURIComponent(val);
      } catch {
        return undefined;
      }
    } else if (seg !== val) return undefined;
  }
  return params;
}

/**
 * The scope a route needs: its own, else reading for GET, `files` for file writes and anything
 * else (commands, processes, sessions, create and destroy) `exec`.
 */
export function requiredScope(r: Route): KeyScope {
  if (r.scope) return r.scope;
  if (r.method === 'GET') return 'read';
  return r.path.includes('/files/') ? 'files' : 'exec';
}
