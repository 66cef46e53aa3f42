/** The CLI's version, read from its package.json so it cannot drift from the release. */
import { readFileSync } from 'node:fs';

export function cliVersion(): string {
  // ../package.json from both src/ (tests) and dist/ (installed).
  const text = readFileSync(new URL('../package.json', import.meta.url), 'utf8');
  const pkg = JSON.parse(text) as { version?: unknown };
  return typeof pkg.version === 'string' ? pkg.version : 'unknown';
}
