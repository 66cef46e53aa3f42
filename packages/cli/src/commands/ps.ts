/** `paddock ps <id>`: a sandbox's background processes as a table or JSON. */
import { getSandbox, type Process } from '@paddock/sdk';
import { globalsFrom, parseStrict, type Globals } from '../args.js';
import { connect } from '../client.js';
import { UsageError, type Command } from '../command.js';
import { formatTable } from '../output.js';

export interface PsArgs {
  id: string;
  json: boolean;
  globals: Globals;
}

export function parsePsArgs(argv: string[]): PsArgs {
  const { values, positionals } = parseStrict(argv, { json: { type: 'boolean' } });
  if (positionals.length !== 1) throw new UsageError('ps needs exactly one sandbox id');
  return { id: positionals[0] as string, json: values.json === true, globals: globalsFrom(values) };
}

/** The `ps` table: one row per process; long commands are cut to keep rows on one line. */
export function processTable(procs: readonly Process[]): string {
  const rows = procs.map((p) => [
    p.id,
    String(p.pid),
    p.status,
    p.exitCode === undefined ? '' : String(p.exitCode),
    p.startTime.toISOString(),
    p.command.length > 60 ? `${p.command.slice(0, 59)}…` : p.command,
  ]);
  return formatTable(['ID', 'PID', 'STATUS', 'EXIT', 'STARTED', 'COMMAND'], rows);
}

export const ps: Command = {
  name: 'ps',
  summary: "List a sandbox's background processes",
  usage: `Usage: paddock ps <id> [--json]

List the background processes a sandbox tracks, running and finished.

Options:
  --json    Print the list as JSON
`,
  async run(argv) {
    const args = parsePsArgs(argv);
    const sandbox = getSandbox(connect(args.globals), args.id, { createIfMissing: false });
    const procs = await sandbox.listProcesses();
    process.stdout.write(args.json ? `${JSON.stringify(procs, null, 2)}\n` : processTable(procs));
    return 0;
  },
};
