/** `paddock ls`: list sandboxes as a table or JSON. */
import type { SandboxInfo } from '@paddock/sdk';
import { globalsFrom, parseStrict, type Globals } from '../args.js';
import { connect } from '../client.js';
import { UsageError, type Command } from '../command.js';
import { formatTable } from '../output.js';

export interface LsArgs {
  json: boolean;
  globals: Globals;
}

export function parseLsArgs(argv: string[]): LsArgs {
  const { values, positionals } = parseStrict(argv, { json: { type: 'boolean' } });
  if (positionals.length > 0) throw new UsageError('ls takes no arguments');
  return { json: values.json === true, globals: globalsFrom(values) };
}

/** The `ls` table: one row per sandbox. */
export function sandboxTable(sandboxes: readonly SandboxInfo[]): string {
  const rows = sandboxes.map((s) => [s.id, s.state, s.backend, s.isolation, s.createdAt]);
  return formatTable(['ID', 'STATE', 'BACKEND', 'ISOLATION', 'CREATED'], rows);
}

export const ls: Command = {
  name: 'ls',
  summary: 'List sandboxes',
  usage: `Usage: paddock ls [--json]

List sandboxes.

Options:
  --json    Print the list as JSON
`,
  async run(argv) {
    const args = parseLsArgs(argv);
    const sandboxes = await connect(args.globals).listSandboxes();
    process.stdout.write(
      args.json ? `${JSON.stringify(sandboxes, null, 2)}\n` : sandboxTable(sandboxes),
    );
    return 0;
  },
};
