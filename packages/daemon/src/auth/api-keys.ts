/**
 * API keys: 256 random bits, shown once, stored as SHA-256. A key of that entropy needs no slow
 * hash, and looking the hash up by index reveals nothing about other keys.
 */
import { createHash, randomBytes } from 'node:crypto';
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
  return keys.findByHash(hashKey(m[1]));
}
