/**
 * The `--pool` setting (PADDOCK_POOL): comma-separated `<backend>:<count>[:<size>]`, where size is
 * limits as `key=value` joined by `/` (e.g. `jail:4:memoryMiB=256/diskMiB=512`) over the daemon's
 * defaults; `none` turns the pool off. Unset: a pool of 2 for the default backend when it is jail or
 * gVisor (a microVM pool under TCG would hold the CPU for minutes), none otherwise. Pure.
 */
import {
  backendNameSchema,
  limitsSchema,
  parse,
  type BackendName,
  type Limits,
} from '@paddock/protocol';
import type { PoolClass } from './core/pool.js';

export type PoolSetting = 'default' | readonly PoolClass[];

export const DEFAULT_POOL_SIZE = 2;
/** Above this a pool would hold most of a /16's slots for nothing. */
const MAX_POOL_SIZE = 256;
const LIMIT_KEYS: ReadonlyArray<keyof Limits> = ['cpuMillis', 'memoryMiB', 'diskMiB', 'pids'];

export function parsePool(text: string | undefined, defaults: Limits): PoolSetting {
  if (text === undefined || text.trim() === '') return 'default';
  if (text.trim() === 'none') return [];
  return text.split(',').map((part) => parseClass(part.trim(), defaults));
}

function parseClass(part: string, defaults: Limits): PoolClass {
  const [backend, count, size, ...rest] = part.split(':');
  const bad = (why: string) => new Error(`--pool ${part}: ${why}`);
  if (rest.length > 0 || count === undefined) throw bad('expected <backend>:<count>[:<size>]');
  const name = parse(backendNameSchema, backend, 'backend');
  if (!name.ok) throw bad(`backend ${name.issue.message}`);
  const n = Number(count);
  if (!Number.isInteger(n) || n < 0 || n > MAX_POOL_SIZE) {
    throw bad(`count must be 0-${MAX_POOL_SIZE}`);
  }
  return { backend: name.value, size: n, limits: parseSize(size, defaults, bad) };
}

function parseSize(size: string | undefined, defaults: Limits, bad: (w: string) => Error): Limits {
  const given: Record<string, number> = {};
  for (const pair of size ? size.split('/') : []) {
    const [key, value] = pair.split('=');
    if (!LIMIT_KEYS.includes(key as keyof Limits)) {
      throw bad(`size keys are ${LIMIT_KEYS.join(', ')}`);
    }
    given[key as string] = Number(value);
  }
  // The same bounds as a create request's limits, so every class can be asked for.
  const checked = parse(limitsSchema, given, 'size');
  if (!checked.ok) throw bad(`${checked.issue.path} ${checked.issue.message}`);
  return { ...defaults, ...checked.value };
}

/** The classes to keep warm once the default backend is known. */
export function poolClasses(
  setting: PoolSetting,
  defaultBackend: BackendName,
  defaults: Limits,
): PoolClass[] {
  if (setting !== 'default') return [...setting];
  if (defaultBackend === 'microvm') return [];
  return [{ backend: defaultBackend, size: DEFAULT_POOL_SIZE, limits: { ...defaults } }];
}
