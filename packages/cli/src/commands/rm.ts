/** `paddock rm <id...>`: destroy sandboxes, continuing past ones that fail. */
import { ConnectionError } from '@paddock/sdk';
import { globalsFrom, parseStrict, type Globals } from '../args.js';
import { connect } from '../client.js';
import { UsageError, type Command } from '../command.js';
import { reportError } from '../report.js';

export interface RmArgs {
  ids: string[];
  globals: Globals;
}

export function parseRmArgs(argv: string[]): RmArgs {
  const { values, positionals } = parseStrict(argv, {});
  if (positionals.length === 0) throw new UsageError('rm needs at least one sandbox id');
  return { ids: positionals, globals: globalsFrom(values) };
}

async function remove(args: RmArgs): Promise<number> {
  const client = connect(args.globals);
  let code = 0;
  for (const id of args.ids) {
    try {
      await client.deleteSandbox(id);
      console.log(id);
    } catch (e) {
      // An unreachable daemon fails every id the same way: say it once.
      if (e instanceof ConnectionError) throw e;
      code = reportError(e);
    }
  }
  return code;
}

export const rm: Command = {
  name: 'rm',
  summary: 'Destroy sandboxes',
  usage: `Usage: paddock rm <id...>

Destroy each sandbox and everything in it, printing each id removed.
`,
  run: (argv) => remove(parseRmArgs(argv)),
};
