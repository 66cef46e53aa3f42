/** `paddock quota [tenant]` and `paddock quota set <tenant> ...`: tenant quotas. */
import type { QuotaOverride, QuotaStatus } from '@paddock/sdk';
import { globalsFrom, parseIntFlag, parseStrict, type Globals } from '../args.js';
import { connect } from '../client.js';
import { UsageError, type Command } from '../command.js';
import { formatTable } from '../output.js';

const OPTIONS = {
  sandboxes: { type: 'string' },
  'memory-mib': { type: 'string' },
  'disk-mib': { type: 'string' },
  max: { type: 'string', multiple: true },
} as const;

export type QuotaArgs =
  | { verb: 'get'; tenant: string | undefined; globals: Globals }
  | { verb: 'set'; tenant: string; quota: QuotaOverride; globals: Globals };

export function parseQuotaArgs(argv: string[]): QuotaArgs {
  const { values, positionals } = parseStrict(argv, OPTIONS);
  const globals = globalsFrom(values);
  const [first, second, ...rest] = positionals;
  if (first === 'set' && second !== undefined && rest.length === 0) {
    return { verb: 'set', tenant: second, quota: overrideFrom(values), globals };
  }
  if (positionals.length > 1 || first === 'set') {
    throw new UsageError('usage: paddock quota [tenant] | paddock quota set <tenant> [flags]');
  }
  return { verb: 'get', tenant: first, globals };
}

function overrideFrom(values: {
  sandboxes?: string;
  'memory-mib'?: string;
  'disk-mib'?: string;
  max?: string[];
}): QuotaOverride {
  const q: QuotaOverride = {};
  const sandboxes = parseIntFlag('sandboxes', values.sandboxes);
  const memory = parseIntFlag('memory-mib', values['memory-mib']);
  const disk = parseIntFlag('disk-mib', values['disk-mib']);
  if (sandboxes !== undefined) q.sandboxes = sandboxes;
  if (memory !== undefined) q.memoryMiB = memory;
  if (disk !== undefined) q.diskMiB = disk;
  if (values.max) {
    const per: Record<string, number> = {};
    for (const pair of values.max) {
      const [name, raw] = pair.split('=');
      const n = parseIntFlag('max', raw);
      if (!name || n === undefined) throw new UsageError('--max expects limit=value');
      per[name] = n;
    }
    q.perSandbox = per;
  }
  return q;
}

export function quotaTable(s: QuotaStatus): string {
  const rows = (['sandboxes', 'memoryMiB', 'diskMiB'] as const).map((k) => [
    k,
    String(s.used[k]),
    String(s.quota[k]),
  ]);
  const per = Object.entries(s.quota.perSandbox).map(([k, v]) => [
    `perSandbox.${k}`,
    '',
    String(v),
  ]);
  return formatTable(['LIMIT', 'USED', 'MAX'], [...rows, ...per]);
}

async function run(args: QuotaArgs): Promise<number> {
  const client = connect(args.globals);
  const status =
    args.verb === 'set'
      ? await client.setQuota(args.tenant, args.quota)
      : await client.getQuota(args.tenant);
  process.stdout.write(`tenant ${status.tenant}\n${quotaTable(status)}`);
  return 0;
}

export const quota: Command = {
  name: 'quota',
  summary: "Show a tenant's quota and usage; set it (admin key)",
  usage: `Usage: paddock quota [tenant]
       paddock quota set <tenant> [--sandboxes N] [--memory-mib N] [--disk-mib N] [--max LIMIT=N]...

Without a tenant: the caller's own. Another tenant's, and set, need an admin key.
--max sets the most one create may ask for, e.g. --max memoryMiB=1024 --max pids=256.
`,
  run: (argv) => run(parseQuotaArgs(argv)),
};
