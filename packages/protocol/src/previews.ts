/**
 * Preview URLs: a sandbox port reached from a browser through the daemon's preview proxy at
 * `http://{port}-{sandboxId}-{token}.{previewDomain}:{previewPort}/`. The token is the capability
 * of a public preview; a private one also needs an API key (previews scope) or a signed cookie.
 */
import { sandboxIdSchema } from './api.js';
import { array, boolean, int, literal, object, optional, string, type Infer } from './schema.js';

/** Ports below this are refused (as in Cloudflare's SDK): sandboxes serve on unprivileged ports. */
export const MIN_PREVIEW_PORT = 1024;
export const MAX_PREVIEWS_PER_SANDBOX = 32;
/** Generated tokens: 26 base32 characters, 130 random bits. */
export const PREVIEW_TOKEN_LENGTH = 26;
/** Caller-chosen tokens: at least this long, of [a-z0-9_], with this many distinct characters. */
export const MIN_CUSTOM_TOKEN_LENGTH = 26;
export const MIN_CUSTOM_TOKEN_DISTINCT = 10;
/** The query parameters of the cookie exchange path on a preview host. */
export const PREVIEW_LOGIN_PATH = '/__paddock/login';
/** The cookie a private preview accepts; never forwarded to the sandbox. */
export const PREVIEW_COOKIE = 'paddock_preview';

export const previewAccessSchema = literal('public', 'private');
export type PreviewAccess = Infer<typeof previewAccessSchema>;

export const previewTokenSchema = string({
  minLength: MIN_CUSTOM_TOKEN_LENGTH,
  maxLength: 40,
  pattern: /^[a-z0-9_]+$/,
  patternHint: `${MIN_CUSTOM_TOKEN_LENGTH}-40 lowercase letters, digits and underscores (no hyphens: the host name splits at them)`,
  description: 'A caller-chosen token; random, at least 128 bits. Shown once, stored hashed.',
});

export const previewNameSchema = string({
  minLength: 1,
  maxLength: 63,
  pattern: /^[A-Za-z0-9][A-Za-z0-9 ._-]*$/,
  patternHint: 'letters, digits, spaces, dots, underscores and hyphens',
});

const hostnameSchema = string({
  minLength: 1,
  maxLength: 200,
  pattern:
    /^(?=.{1,200}$)[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*(:\d{1,5})?$/,
  patternHint: 'a lowercase host name, optionally with :port',
  description: "The host under which the URL is built (default: the daemon's preview domain)",
});

const portSchema = int({ min: 1, max: 65535 });
const expiresInSchema = int({ min: 10, max: 30 * 24 * 3600, description: 'seconds' });

export const exposePortSchema = object({
  port: portSchema,
  name: optional(previewNameSchema),
  hostname: optional(hostnameSchema),
  token: optional(previewTokenSchema),
  access: optional(previewAccessSchema),
  /** The token stops working after this many seconds. */
  expiresIn: optional(expiresInSchema),
});
export type ExposePortRequest = Infer<typeof exposePortSchema>;

/** The reply of exposePort: the only place the URL (and so the token) is ever shown. */
export const exposedPortSchema = object({
  url: string({ maxLength: 400 }),
  /** The same preview on the path listener, when the daemon runs one. */
  pathUrl: optional(string({ maxLength: 400 })),
  port: portSchema,
  name: previewNameSchema,
  access: previewAccessSchema,
  expiresAt: optional(string({ maxLength: 64 })),
});
export type ExposedPort = Infer<typeof exposedPortSchema>;

/** A listed preview: no URL, since the token is stored hashed and never shown again. */
export const previewInfoSchema = object({
  sandboxId: sandboxIdSchema,
  port: portSchema,
  name: previewNameSchema,
  access: previewAccessSchema,
  createdAt: string({ maxLength: 64 }),
  expiresAt: optional(string({ maxLength: 64 })),
});
export type PreviewInfo = Infer<typeof previewInfoSchema>;

export const previewListSchema = object({
  ports: array(previewInfoSchema, { max: MAX_PREVIEWS_PER_SANDBOX }),
});
export type PreviewList = Infer<typeof previewListSchema>;

export const unexposedSchema = object({ port: portSchema, unexposed: boolean() });

/**
 * A signed expiring link (`kind: 'link'`: a URL that works on its own until it expires, without
 * the preview's token) or a login path (`kind: 'login'`: opened on the preview's own host, it sets
 * the short-lived cookie a private preview accepts, then redirects to `/`).
 */
export const previewGrantRequestSchema = object({
  kind: literal('link', 'login'),
  expiresIn: optional(expiresInSchema),
});
export type PreviewGrantRequest = Infer<typeof previewGrantRequestSchema>;

export const previewGrantSchema = object({
  /** A full URL for `link`; a path with query to open on the preview's host for `login`. */
  url: string({ maxLength: 600 }),
  expiresAt: string({ maxLength: 64 }),
});
export type PreviewGrant = Infer<typeof previewGrantSchema>;

/** A path parameter port, as the API and the proxy read it. */
export function parsePort(text: string): number | undefined {
  if (!/^[1-9]\d{0,4}$/.test(text)) return undefined;
  const n = Number(text);
  return n <= 65535 ? n : undefined;
}
