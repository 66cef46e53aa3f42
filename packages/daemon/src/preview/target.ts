/**
 * Where a preview request points, read from the Host header (host form) or the path (path form).
 * Pure: the proxy decides nothing here, it only learns which preview the caller names.
 */
import { parse, parsePort, sandboxIdSchema } from '@paddock/protocol';

export interface PreviewTarget {
  port: number;
  sandboxId: string;
  /** A preview token or a signed link token. */
  token: string;
  /** The path and query to forward (path form: what follows the token). */
  path: string;
  /** The prefix the preview lives under on its origin: '/' for the host form. */
  base: string;
  /** Host form: the Host header without the token, sent on as X-Forwarded-Host. */
  publicHost: string;
}

const LABEL = /^([1-9]\d{0,4})-([a-z0-9][a-z0-9-]*[a-z0-9]|[a-z0-9])-([a-z0-9_]{1,63})$/;
const HOST = /^[a-z0-9._-]{1,253}(:\d{1,5})?$/;

/** `{port}-{sandboxId}-{token}.{anything}[:port]`; the token is after the last hyphen. */
export function targetFromHost(host: string | undefined, url: string): PreviewTarget | undefined {
  const h = (host ?? '').toLowerCase();
  if (!HOST.test(h)) return undefined;
  const dot = h.indexOf('.');
  if (dot <= 0) return undefined;
  const m = LABEL.exec(h.slice(0, dot));
  if (!m) return undefined;
  const [, portText, sandboxId, token] = m as unknown as [string, string, string, string];
  const port = parsePort(portText);
  if (port === undefined || !validId(sandboxId) || !url.startsWith('/')) return undefined;
  return {
    port,
    sandboxId,
    token,
    path: url,
    base: '/',
    publicHost: `${portText}-${sandboxId}${h.slice(dot)}`,
  };
}

/** `/{sandboxId}/{port}/{token}/rest?query` (path listener); forwards `/rest?query`. */
export function targetFromPath(url: string, host: string | undefined): PreviewTarget | undefined {
  const m = /^\/([a-z0-9-]{1,63})\/(\d{1,5})\/([a-z0-9_]{1,63})(\/[^?#]*)?(\?.*)?$/.exec(url);
  if (!m) return undefined;
  const [, sandboxId, portText, token, rest, query] = m as unknown as [
    string,
    string,
    string,
    string,
    string | undefined,
    string | undefined,
  ];
  const port = parsePort(portText);
  if (port === undefined || !validId(sandboxId)) return undefined;
  return {
    port,
    sandboxId,
    token,
    path: `${rest ?? '/'}${query ?? ''}`,
    base: `/${sandboxId}/${port}/${token}/`,
    publicHost: (host ?? '').toLowerCase(),
  };
}

function validId(id: string): boolean {
  return parse(sandboxIdSchema, id).ok;
}
