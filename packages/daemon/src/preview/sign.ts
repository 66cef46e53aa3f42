/**
 * Signed links, login URLs and cookies: HMAC-SHA256 under the daemon's preview secret, bound to
 * one preview (tenant, sandbox, port and its token hash, so unexposing revokes them all), a
 * purpose and an expiry. Truncated to 128 bits and base32, so a link fits in a DNS label.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export type Purpose = 'link' | 'login' | 'cookie';

export interface Bound {
  tenant: string;
  sandboxId: string;
  port: number;
  tokenHash: string;
}

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';

/** RFC 4648 base32, lowercase, unpadded (host names are case-insensitive). */
export function base32(bytes: Uint8Array): string {
  let out = '';
  let bits = 0;
  let acc = 0;
  for (const b of bytes) {
    acc = (acc << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(acc >>> (bits - 5)) & 31];
      bits -= 5;
    }
    acc &= (1 << bits) - 1;
  }
  if (bits > 0) out += ALPHABET[(acc << (5 - bits)) & 31];
  return out;
}

/** A new preview token: 26 base32 characters from 130 random bits. */
export function newPreviewToken(): string {
  return base32(randomBytes(17)).slice(0, 26);
}

/** The MAC of a purpose for one preview until `exp` (seconds since the epoch). */
export function mac(secret: Buffer, purpose: Purpose, b: Bound, exp: number): string {
  const text = [purpose, b.tenant, b.sandboxId, b.port, b.tokenHash, exp].join('\n');
  return base32(createHmac('sha256', secret).update(text).digest().subarray(0, 16));
}

export function macMatches(
  secret: Buffer,
  purpose: Purpose,
  b: Bound,
  exp: number,
  given: string,
): boolean {
  const want = Buffer.from(mac(secret, purpose, b, exp));
  const got = Buffer.from(given);
  return got.length === want.length && timingSafeEqual(got, want);
}

/** `{exp base36}_{mac}`: the token part of a signed link's host label. */
export function linkToken(secret: Buffer, b: Bound, exp: number): string {
  return `${exp.toString(36)}_${mac(secret, 'link', b, exp)}`;
}

/** The two halves of a link token or cookie value (`_` or `.` between), undefined if malformed. */
export function splitSigned(
  value: string,
  sep: '_' | '.',
): { exp: number; mac: string } | undefined {
  const i = value.indexOf(sep);
  if (i < 1 || i > 8) return undefined;
  const exp = parseInt(value.slice(0, i), 36);
  const m = value.slice(i + 1);
  if (!/^[0-9a-z]+$/.test(value.slice(0, i)) || !/^[a-z2-7]{26}$/.test(m)) return undefined;
  return { exp, mac: m };
}

export function cookieValue(secret: Buffer, b: Bound, exp: number): string {
  return `${exp.toString(36)}.${mac(secret, 'cookie', b, exp)}`;
}
