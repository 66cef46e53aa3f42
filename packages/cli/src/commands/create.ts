/** `paddock create [id]`: create a sandbox with optional limits and environment. */
import type { CreateSandboxRequest, LimitsInput } from '@paddock/sdk';
import { globalsFrom, parseEnvPairs, parseIntFlag, parseStrict, type Globals } from '../args.js';
import { connect } from '../client.js';
import { UsageError, type Command } from '../command.js';
import { NETWORK_OPTIONS, NETWORK_USAGE, policyFrom } from './network.js';

const OPTIONS = {
  memory: { type: 'string' },
  cpu: { type: 'string' },
  disk: { type: 'string' },
  pids: { type: 'string' },
  env: { type: 'string', short: 'e', multiple: true },
  backend: { type: 'string' },
  'sleep-after': { type: 'string' },
  'keep-alive': { type: 'boolean' },
  ttl: { type: 'string' },
  ...NETWORK_OPTIONS,
} as const;

const BACKENDS = ['jail', 'gvisor', 'microvm'] as const;

export interface CreateArgs {
  request: CreateSandboxRequest;
  globals: Globals;
}

export function parseCreateArgs(argv: string[]): CreateArgs {
  const { values, positionals } = parseStrict(argv, OPTIONS);
  if (positionals.length > 1) throw new UsageError('create takes at most one id');
  const request: CreateSandboxRequest = {};
  if (positionals[0] !== undefined) request.id = positionals[0];
  const limits = limitsFrom(values);
  if (Object.keys(limits).length > 0) request.limits = limits;
  const env = parseEnvPairs(values.env);
  if (Object.keys(env).length > 0) request.env = env;
  if (values.backend !== undefined) request.backend = backendFrom(values.backend);
  if (values['sleep-after'] !== undefined) request.sleepAfter = durationFrom(values['sleep-after']);
  if (values.ttl !== undefined) request.ttl = durationFrom(values.ttl);
  if (values['keep-alive']) request.keepAlive = true;
  const network = policyFrom(values);
  if (network) request.network = network;
  return { request, globals: globalsFrom(values) };
}

/** "30s", "10m", "1h", "2d" as given; bare digits are seconds. */
function durationFrom(raw: string): string | number {
  if (/^\d+$/.test(raw)) return Number(raw);
  if (/^[1-9]\d*[smhd]$/.test(raw)) return raw;
  throw new UsageError(`a duration is seconds or a number with s, m, h or d (got "${raw}")`);
}

function backendFrom(raw: string): (typeof BACKENDS)[number] {
  const found = BACKENDS.find((b) => b === raw);
  if (!found) throw new UsageError(`--backend must be one of ${BACKENDS.join(', ')}`);
  return found;
}

function limitsFrom(values: { memory?: string; cpu?: string; disk?: string; pids?: string }) {
  const limits: LimitsInput = {};
  const set = (key: keyof LimitsInput, flag: string, raw: string | undefined) => {
    const n = parseIntFlag(flag, raw);
    if (n !== undefined) limits[key] = n;
  };
  set('memoryMiB', 'memory', values.memory);
  set('cpuMillis', 'cpu', values.cpu);
  set('diskMiB', 'disk', values.disk);
  set('pids', 'pids', values.pids);
  return limits;
}

export const create: Command = {
  name: 'create',
  summary: 'Create a sandbox and print its id',
  usage: `Usage: paddock create [id] [options]

Create a sandbox and print its id. Without an id the daemon picks one.

Options:
  --memory <MiB>     Memory limit
  --cpu <millis>     CPU limit, 1000 = one core
  --disk <MiB>       Disk quota
  --pids <n>         Process limit
  -e, --env <K=V>    Environment for every command (repeatable)
  --backend <name>   jail, gvisor or microvm (default: the daemon's choice)
  --sleep-after <d>  Sleep after this idle time (e.g. 10m); the next call wakes it
  --keep-alive       Never sleep
  --ttl <d>          Destroy it this long after creation (e.g. 1h)
${NETWORK_USAGE}`,
  async run(argv) {
    const args = parseCreateArgs(argv);
    const info = await connect(args.globals).createSandbox(args.request);
    console.log(info.id);
    return 0;
  },
};
