/** `paddock stats [id...]`: CPU, memory, tasks and disk per sandbox (all of them by default). */
import type { Paddock, SandboxStats } from '@paddock/sdk';
import { globalsFrom, parseStrict, type Globals } from '../args.js';
import { connect } from '../client.js';
import type { Command } from '../command.js';
import { formatTable } from '../output.js';

export interface StatsArgs {
  ids: string[];
  json: boolean;
  globals: Globals;
}

/** CPU use is the difference of two samples this far apart. */
export const SAMPLE_MS = 1000;

export function parseStatsArgs(argv: string[]): StatsArgs {
  const { values, positionals } = parseStrict(argv, { json: { type: 'boolean' } });
  return { ids: positionals, json: values.json === true, globals: globalsFrom(values) };
}

/** 1536 -> "1.5 KiB". */
export function humanBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${v} B` : `${v.toFixed(1)} ${units[i]}`;
}

/** The table: CPU as a share of one core over the sampling interval, then totals. */
export function statsTable(
  first: readonly SandboxStats[],
  second: readonly SandboxStats[],
  elapsedMs: number,
): string {
  const rows = second.map((s) => {
    const before = first.find((f) => f.id === s.id);
    const cpu = before ? (s.cpuNanos - before.cpuNanos) / (elapsedMs * 1e4) : 0;
    return [
      s.id,
      `${Math.max(0, cpu).toFixed(1)}%`,
      `${(s.cpuNanos / 1e9).toFixed(1)}s`,
      `${humanBytes(s.memoryBytes)} / ${humanBytes(s.memoryLimitBytes)}`,
      humanBytes(s.memoryRssBytes),
      String(s.tasks),
      `${humanBytes(s.diskUsedBytes)} / ${humanBytes(s.diskLimitBytes)}`,
    ];
  });
  const headers = ['ID', 'CPU', 'CPU TIME', 'MEMORY / LIMIT', 'ANON', 'TASKS', 'DISK / SIZE'];
  return formatTable(headers, rows);
}

async function sample(client: Paddock, ids: readonly string[]): Promise<SandboxStats[]> {
  return Promise.all(ids.map((id) => client.getSandboxStats(id)));
}

export const stats: Command = {
  name: 'stats',
  summary: 'Show CPU, memory and disk use of sandboxes',
  usage: `Usage: paddock stats [id...] [--json]

Show each sandbox's CPU use (over one second), CPU time, memory (with page cache, and
anonymous), tasks and disk (bytes used on the host / disk size). All sandboxes by default.

Options:
  --json    Print the raw figures as JSON (one sample)
`,
  async run(argv) {
    const args = parseStatsArgs(argv);
    const client = connect(args.globals);
    const ids = args.ids.length > 0 ? args.ids : (await client.listSandboxes()).map((s) => s.id);
    const first = await sample(client, ids);
    if (args.json) {
      process.stdout.write(`${JSON.stringify(first, null, 2)}\n`);
      return 0;
    }
    const t0 = Date.now();
    await new Promise((r) => setTimeout(r, SAMPLE_MS));
    const second = await sample(client, ids);
    process.stdout.write(statsTable(first, second, Date.now() - t0));
    return 0;
  },
};
