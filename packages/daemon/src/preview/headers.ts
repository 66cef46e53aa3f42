/**
 * Header filtering, both ways (pure). Towards the sandbox: hop-by-hop headers go (except the
 * upgrade pair of a WebSocket), so do credentials (Authorization, the preview cookie) and any
 * X-Forwarded-* or Forwarded the client sent; the proxy sets its own X-Forwarded-For/Host/Proto.
 * Origin and Referer are rewritten without the token, and any header still holding a secret is
 * dropped, so the token never reaches the sandbox.
 */
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';
import { PREVIEW_COOKIE } from '@paddock/protocol';

const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'http2-settings',
]);

const NEVER_FORWARDED = new Set([
  'host',
  'authorization',
  'forwarded',
  'x-real-ip',
  'x-original-url',
  'x-forwarded-for',
  'x-forwarded-host',
  'x-forwarded-proto',
  'x-forwarded-port',
  'x-forwarded-prefix',
]);

export interface ForwardContext {
  /** The address of the client the proxy saw. */
  clientIp: string;
  /** The Host the client used, without the token. */
  publicHost: string;
  /** The upstream's own Host: localhost and the sandbox port (dev servers accept it). */
  upstreamHost: string;
  /** [secret, replacement] pairs: the token's forms in the host label and in the path. */
  redactions: ReadonlyArray<readonly [string, string]>;
  /** A WebSocket upgrade keeps its Connection: upgrade / Upgrade: websocket pair. */
  upgrade: boolean;
}

/** The headers sent to the sandbox for a request with these incoming headers. */
export function requestHeaders(
  incoming: IncomingHttpHeaders,
  ctx: ForwardContext,
): OutgoingHttpHeaders {
  const named = connectionTokens(incoming['connection']);
  const out: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(incoming)) {
    if (value === undefined || HOP_BY_HOP.has(name) || NEVER_FORWARDED.has(name)) continue;
    if (named.has(name)) continue;
    if (name === 'cookie') {
      const kept = withoutPreviewCookie(String(value));
      if (kept) out[name] = kept;
      continue;
    }
    out[name] = Array.isArray(value) ? value.map((v) => redact(v, ctx)) : redact(value, ctx);
  }
  if (ctx.upgrade) {
    out['connection'] = 'Upgrade';
    out['upgrade'] = String(incoming['upgrade'] ?? 'websocket');
  }
  out['host'] = ctx.upstreamHost;
  out['x-forwarded-for'] = ctx.clientIp;
  out['x-forwarded-host'] = ctx.publicHost;
  out['x-forwarded-proto'] = 'http';
  return dropLeaks(out, ctx);
}

/** The upstream's response headers as sent to the client: hop-by-hop ones and our cookie gone. */
export function responseHeaders(incoming: IncomingHttpHeaders): OutgoingHttpHeaders {
  const named = connectionTokens(incoming['connection']);
  const out: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(incoming)) {
    if (value === undefined || HOP_BY_HOP.has(name) || named.has(name)) continue;
    if (name === 'set-cookie') {
      const kept = (value as string[]).filter((c) => !isPreviewCookie(c.split('=')[0] ?? ''));
      if (kept.length > 0) out[name] = kept;
      continue;
    }
    out[name] = value;
  }
  return out;
}

function connectionTokens(value: string | string[] | undefined): Set<string> {
  const text = Array.isArray(value) ? value.join(',') : (value ?? '');
  return new Set(
    text
      .split(',')
      .map((t) => t.trim().toLowerCase())
      .filter(Boolean),
  );
}

function isPreviewCookie(name: string): boolean {
  return name.trim().toLowerCase().startsWith(PREVIEW_COOKIE);
}

/** The Cookie header without the platform's cookie; '' when nothing is left. */
export function withoutPreviewCookie(header: string): string {
  return header
    .split(';')
    .map((c) => c.trim())
    .filter((c) => c && !isPreviewCookie(c.split('=')[0] ?? ''))
    .join('; ');
}

/** One cookie's value from a Cookie header. */
export function cookieOf(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

function redact(value: string, ctx: ForwardContext): string {
  let v = value;
  for (const [secret, replacement] of ctx.redactions) v = v.split(secret).join(replacement);
  return v;
}

/** Belt and braces: a header that still holds a secret (in any case) is not sent. */
function dropLeaks(headers: OutgoingHttpHeaders, ctx: ForwardContext): OutgoingHttpHeaders {
  const secrets = ctx.redactions.map(([s]) => s.toLowerCase());
  for (const [name, value] of Object.entries(headers)) {
    const text = (Array.isArray(value) ? value.join('\n') : String(value)).toLowerCase();
    if (secrets.some((s) => text.includes(s))) delete headers[name];
  }
  return headers;
}
