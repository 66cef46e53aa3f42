/** API keys and tenants: wire shapes of /v1/keys. */
import { array, boolean, int, literal, object, optional, string, type Infer } from './schema.js';

export const KEY_SCOPES = ['admin', 'read', 'exec', 'files', 'previews'] as const;
export type KeyScope = (typeof KEY_SCOPES)[number];
export const keyScopeSchema = literal(...KEY_SCOPES);

export const tenantSchema = string({
  minLength: 1,
  maxLength: 63,
  pattern: /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/,
  patternHint: '1-63 lowercase letters, digits and inner hyphens',
});

export const keyIdSchema = string({
  minLength: 1,
  maxLength: 64,
  pattern: /^[a-f0-9]+$/,
  patternHint: 'a key id',
});

export const createKeySchema = object({
  tenant: optional(tenantSchema),
  name: optional(string({ maxLength: 200 })),
  scopes: optional(array(keyScopeSchema, { min: 1, max: KEY_SCOPES.length })),
  expiresInSeconds: optional(int({ min: 60, max: 10 * 365 * 24 * 3600 })),
});
export type CreateKeyRequest = Infer<typeof createKeySchema>;

export const keyInfoSchema = object({
  id: keyIdSchema,
  tenant: tenantSchema,
  name: optional(string({ maxLength: 200 })),
  scopes: array(keyScopeSchema, { max: KEY_SCOPES.length }),
  createdAt: string({ maxLength: 64 }),
  expiresAt: optional(string({ maxLength: 64 })),
  revoked: boolean(),
});
export type KeyInfo = Infer<typeof keyInfoSchema>;

/** The one reply that carries the key itself; it is never shown again. */
export const createdKeySchema = object({ key: string({ maxLength: 200 }), info: keyInfoSchema });
export type CreatedKey = Infer<typeof createdKeySchema>;

export const keyListSchema = object({ keys: array(keyInfoSchema, { max: 100_000 }) });
export type KeyList = Infer<typeof keyListSchema>;

/** What a scope lets a key do besides itself: admin is everything; the others include reading. */
export function scopeAllows(held: readonly KeyScope[], needed: KeyScope): boolean {
  if (held.includes('admin') || held.includes(needed)) return true;
  return needed === 'read' && held.length > 0;
}
