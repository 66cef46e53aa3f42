/**
 * Limit and quota flags: comma-separated `name=value` lists over the built-in defaults, e.g.
 * `--limits memoryMiB=256,pids=128` or `--quota sandboxes=10,memoryMiB=4096`.
 */
import {
  LIMIT_BOUNDS,
  LIMIT_NAMES,
  TOTAL_NAMES,
  type LimitName,
  type Limits,
  type Totals,
} from '@paddock/protocol';

function pairs(text: string, flag: string): Array<[string, number]> {
  if (text.trim() === '') return [];
  return text.split(',').map((part) => {
    const [name, value, extra] = part.split('=').map((s) => s.trim());
    const n = Number(value);
    if (!name || extra !== undefined || !Number.isInteger(n) || n < 0) {
      throw new Error(`${flag} ${text}: expected name=integer pairs separated by commas`);
    }
    return [name, n];
  });
}

export function parseLimitList(text: string, base: Limits, flag: string): Limits {
  const out = { ...base };
  for (const [name, n] of pairs(text, flag)) {
    if (!LIMIT_NAMES.includes(name as LimitName)) {
      throw new Error(`${flag}: unknown limit '${name}' (known: ${LIMIT_NAMES.join(', ')})`);
    }
    const { min, max } = LIMIT_BOUNDS[name as LimitName];
    if (n < min || n > max) throw new Error(`${flag}: ${name} must be in ${min}..${max}`);
    out[name as LimitName] = n;
  }
  return out;
}

export function parseTotals(text: string, base: Totals): Totals {
  const out = { ...base };
  for (const [name, n] of pairs(text, '--quota')) {
    if (!(TOTAL_NAMES as readonly string[]).includes(name)) {
      throw new Error(`--quota: unknown total '${name}' (known: ${TOTAL_NAMES.join(', ')})`);
    }
    out[name as keyof Totals] = n;
  }
  return out;
}
