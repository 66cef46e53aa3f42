/** `paddock logs <id> --console`: the tail of a sandbox's console. */
import { getSandbox } from '@paddock/sdk';
import { globalsFrom, parseStrict, type Globals } from '../args.js';
import { connect } from '../client.js';
import { UsageError, type Command } from '../command.js';

export interface LogsArgs {
  id: string;
  globals: Globals;
}

export function parseLogsArgs(argv: string[]): LogsArgs {
  const { values, positionals } = parseStrict(argv, { console: { type: 'boolean' } });
  if (positionals.length !== 1) throw new UsageError('logs needs exactly one sandbox id');
  if (!values.console) {
    throw new UsageError('logs shows the console only for now: pass --console');
  }
  return { id: positionals[0] as string, globals: globalsFrom(values) };
}

async function show(args: LogsArgs): Promise<number> {
  const sandbox = getSandbox(connect(args.globals), args.id, { createIfMissing: false });
  process.stdout.write(await sandbox.consoleLog());
  return 0;
}

export const logs: Command = {
  name: 'logs',
  summary: "Show a sandbox's console",
  usage: `Usage: paddock logs <id> --console

Print the tail of the sandbox's console: a microVM's serial console, or the output
of a container's init and agent. Useful when a sandbox would not start or died.
`,
  run: (argv) => show(parseLogsArgs(argv)),
};
