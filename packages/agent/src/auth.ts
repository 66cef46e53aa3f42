import { timingSafeEqual } from 'node:crypto';

const SCHEME = /^Bearer +/i;

/**
 * A checker for "Authorization: Bearer <token>". The comparison takes the same time wherever the
 * bytes differ; a wrong length is refused up front (that only reveals the length).
 */
export function bearerChecker(token: string): (header: string | undefined) => boolean {
  const expected = Buffer.from(token, 'utf8');
  return (header) => {
    if (typeof header !== 'string' || !SCHEME.test(header)) return false;
    const given = Buffer.from(header.replace(SCHEME, ''), 'utf8');
    return given.length === expected.length && timingSafeEqual(given, expected);
  };
}
