/**
 * API keys: 256 random bits, shown once, stored as SHA-256. A key of that entropy needs no slow
 * hash, and looking the hash up by index reveals nothing about other keys.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { CreateKeyRequest, CreatedKey, KeyScope } from '@paddock/protocol';

/** A new key without scopes may work sandboxes, not manage keys. */
const DEFAULT_SCOPES: readonly KeyScope[] = ['exec', 'files', 'previews'];
import type { KeyRecord, KeyStore } from '../store/keys.js';

export const KEY_PREFIX = 'paddock_';

export function newApiKey(): { id: string; key: string } {
  return {
    id: randomBytes(6).toString('hex'),
    key: KEY_PREFIX + randomBytes(32).toString('base64url'),
  };
}

export function hashKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/** The caller of a request, from its Authorization header; undefined when absent or unknown. */
export function authenticate(keys: KeyStore, header: string | undefined): KeyRecord | undefined {
  const m = /^Bearer ([A-Za-z0-9_-]{1,200})$/.exec(header ?? '');
  if (!m?.[1]) return undefined;
  return keys.findByHash(hashKey(m[1]), new Date().toISOString());
}

/** Make a key for a tenant; the key itself is returned once and stored only as its hash. */
export function createKey(keys: KeyStore, req: CreateKeyRequest, now: Date): CreatedKey {
  const { id, key } = newApiKey();
  const expiresAt =
    req.expiresInSeconds === undefined
      ? undefined
      : new Date(now.getTime() + req.expiresInSeconds * 1000).toISOString();
  const info = keys.add({
    id,
    hash: hashKey(key),
    tenant: req.tenant ?? 'default',
    name: req.name,
    scopes: [...new Set<KeyScope>(req.scopes ?? DEFAULT_SCOPES)],
    createdAt: now.toISOString(),
    expiresAt,
  });
  return { key, info };
}
