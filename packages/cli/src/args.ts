/**
 * Argument parsing shared by the API commands: the global flags, strict parseArgs with
 * usage errors, and the K=V and integer flag formats.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from './command.js';

/** Flags every API command accepts. */
export const GLOBAL_OPTIONS = {
  url: { type: 'string' },
  'api-key': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies ParseArgsConfig['options'];

/** Where to reach the daemon; unset fields fall back to PADDOCK_URL / PADDOCK_API_KEY in the SDK. */
export interface Globals {
  url?: string;
  apiKey?: string;
}

type Options = NonNullable<ParseArgsConfig['options']>;

interface StrictConfig<O extends Options> {
  args: string[];
  options: typeof GLOBAL_OPTIONS & O;
  allowPositionals: true;
  strict: true;
}

/** What parseStrict returns: typed `values` for the flags plus `positionals`. */
export type Parsed<O extends Options> = ReturnType<typeof parseArgs<StrictConfig<O>>>;

/** parseArgs with the global flags added and its errors turned into UsageErrors. */
export function parseStrict<O extends Options>(argv: string[], options: O): Parsed<O> {
  const config: StrictConfig<O> = {
    args: argv,
    options: { ...GLOBAL_OPTIONS, ...options },
    allowPositionals: true,
    strict: true,
  };
  try {
    return parseArgs(config);
  } catch (e) {
    throw new UsageError(e instanceof Error ? e.message : String(e));
  }
}

export function globalsFrom(values: { url?: string; 'api-key'?: string }): Globals {
  const globals: Globals = {};
  if (values.url !== undefined) globals.url = values.url;
  if (values['api-key'] !== undefined) globals.apiKey = values['api-key'];
  return globals;
}

/** `--env K=V` pairs into a record; the value may be empty or contain '='. */
export function parseEnvPairs(pairs: readonly string[] = []): Record<string, string> {
  const env: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new UsageError(`--env expects KEY=VALUE, got "${pair}"`);
    env[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return env;
}

/** A non-negative integer flag value, or undefined when the flag was not given. */
export function parseIntFlag(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value))
    throw new UsageError(`--${flag} expects a whole number, got "${value}"`);
  return Number(value);
}

/** True when -h/--help appears before any `--` (after it, words belong to the command). */
export function wantsHelp(argv: readonly string[]): boolean {
  const end = argv.indexOf('--');
  const own = end === -1 ? argv : argv.slice(0, end);
  return own.includes('--help') || own.includes('-h');
}

/** The command line split around its verb; global flags may come before the verb. */
export interface VerbSplit {
  verb: string | undefined;
  /** Flags before the verb (global ones, e.g. --url). */
  before: string[];
  /** Everything after the verb, untouched. */
  after: string[];
}

/** Global flags that take a value as the next word. */
const VALUED_GLOBALS = new Set(['--url', '--api-key']);

export function splitVerb(argv: readonly string[]): VerbSplit {
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i] ?? '';
    if (VALUED_GLOBALS.has(word)) i++;
    else if (!word.startsWith('-')) {
      return { verb: word, before: argv.slice(0, i), after: argv.slice(i + 1) };
    }
  }
  return { verb: undefined, before: [...argv], after: [] };
}
