#!/usr/bin/env node
/** Entry point: find the verb, run its command, and turn the outcome into the exit code. */
import { splitVerb, wantsHelp } from './args.js';
import { UsageError, type Command } from './command.js';
import {
  cp,
  create,
  exec,
  expose,
  keys,
  kill,
  logs,
  ls,
  ports,
  network,
  ps,
  rm,
  runCode,
  serve,
  setup,
  shell,
  unexpose,
  sleep,
  wake,
  pause,
  resume,
  quota,
  stats,
} from './commands/index.js';
import { generalHelp } from './help.js';
import { reportError } from './report.js';
import { cliVersion } from './version.js';

const COMMANDS: readonly Command[] = [
  create,
  ls,
  exec,
  runCode,
  shell,
  cp,
  ps,
  logs,
  kill,
  expose,
  unexpose,
  ports,
  network,
  stats,
  rm,
  sleep,
  wake,
  pause,
  resume,
  keys,
  quota,
  setup,
  serve,
];
/** Verbs whose arguments, --help included, belong to paddockd. */
const PASSTHROUGH: ReadonlySet<Command> = new Set([setup, serve]);

async function main(argv: string[]): Promise<number> {
  const { verb, before, after } = splitVerb(argv);
  if (verb === undefined) return withoutVerb(before);
  if (verb === 'help') return help(after[0]);
  const command = COMMANDS.find((c) => c.name === verb);
  try {
    if (!command) throw new UsageError(`unknown command '${verb}'`);
    if (PASSTHROUGH.has(command)) return await command.run(after);
    const args = [...before, ...after];
    if (wantsHelp(args)) return help(verb);
    return await command.run(args);
  } catch (e) {
    return reportError(e, command?.name);
  }
}

function withoutVerb(flags: string[]): number {
  if (flags.includes('--version')) {
    console.log(cliVersion());
    return 0;
  }
  if (wantsHelp(flags)) return help(undefined);
  process.stderr.write(generalHelp(COMMANDS));
  return 2;
}

function help(verb: string | undefined): number {
  const command = COMMANDS.find((c) => c.name === verb);
  if (verb !== undefined && !command)
    return reportError(new UsageError(`unknown command '${verb}'`));
  process.stdout.write(command ? command.usage : generalHelp(COMMANDS));
  return 0;
}

process.exitCode = await main(process.argv.slice(2));
