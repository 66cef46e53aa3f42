/** The one place the CLI builds its SDK client from the global flags. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Paddock } from '@paddock/sdk';
import type { Globals } from './args.js';

export function connect(globals: Globals): Paddock {
  return new Paddock({ url: globals.url, apiKey: globals.apiKey ?? localKey() });
}

/**
 * On the daemon's own machine, the key its first start left in the data directory, when
 * neither --api-key nor PADDOCK_API_KEY gives one and the file is readable (root).
 */
function localKey(): string | undefined {
  if (process.env['PADDOCK_API_KEY']) return undefined;
  const dir = process.env['PADDOCK_DATA_DIR'] ?? '/var/lib/paddock';
  try {
    return readFileSync(join(dir, 'api-key'), 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}
