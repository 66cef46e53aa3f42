/** `paddock exec <id> -- <cmd...>`: run a command, relaying its output and exit code. */
import { CommandTimeoutError, getSandbox, type ExecOptions, type ExecResult } from '@paddock/sdk';
import { globalsFrom, parseEnvPairs, parseIntFlag, parseStrict, type Globals } from '../args.js';
import { connect } from '../client.js';
import { UsageError, type Command } from '../command.js';

const OPTIONS = {
  cwd: { type: 'string' },
  env: { type: 'string', short: 'e', multiple: true },
  timeout: { type: 'string' },
} as const;

export interface ExecArgs {
  id: string;
  /** One word runs through the shell; several run as argv without a shell. */
  command: string | string[];
  env: Record<string, string>;
  cwd?: string;
  timeout?: number;
  globals: Globals;
}

export function parseExecArgs(argv: string[]): ExecArgs {
  const dashes = argv.indexOf('--');
  const own = dashes === -1 ? argv : argv.slice(0, dashes);
  const { values, positionals } = parseStrict(own, OPTIONS);
  const [id, ...rest] = positionals;
  if (id === undefined) throw new UsageError('exec needs a sandbox id');
  // Without `--`, words after the id are the command (it must then have no dashes of its own).
  const words = dashes === -1 ? rest : [...rest, ...argv.slice(dashes + 1)];
  const [first] = words;
  if (first === undefined) throw new UsageError('exec needs a command after --');
  const args: ExecArgs = {
    id,
    command: words.length === 1 ? first : words,
    env: parseEnvPairs(values.env),
    globals: globalsFrom(values),
  };
  if (values.cwd !== undefined) args.cwd = values.cwd;
  const timeout = parseIntFlag('timeout', values.timeout);
  if (timeout !== undefined) args.timeout = timeout;
  return args;
}

/** The command's exit code as a process exit code; -1 (no code, e.g. killed) becomes 1. */
export function exitCodeOf(result: ExecResult): number {
  return result.exitCode >= 0 ? result.exitCode : 1;
}

async function execute(args: ExecArgs): Promise<number> {
  // The CLI must not create a sandbox because of a typo in its id.
  const sandbox = getSandbox(connect(args.globals), args.id, { createIfMissing: false });
  const options: ExecOptions = { env: args.env, cwd: args.cwd, timeout: args.timeout };
  try {
    const result = await sandbox.exec(args.command, options);
    relay(result.stdout, result.stderr);
    if (result.truncated) console.error('paddock: output was truncated by the daemon');
    return exitCodeOf(result);
  } catch (e) {
    if (e instanceof CommandTimeoutError) relayPartial(e);
    throw e;
  }
}

function relay(stdout: string, stderr: string): void {
  process.stdout.write(stdout);
  process.stderr.write(stderr);
}

/** The output a timed-out command made, ending on a fresh line so the error reads on its own. */
function relayPartial(e: CommandTimeoutError): void {
  relay(e.stdout, e.stderr);
  const lastOnScreen = e.stderr || (process.stdout.isTTY ? e.stdout : '');
  if (lastOnScreen && !lastOnScreen.endsWith('\n')) process.stderr.write('\n');
}

export const exec: Command = {
  name: 'exec',
  summary: 'Run a command in a sandbox',
  usage: `Usage: paddock exec <id> [options] -- <command...>

Run a command in a sandbox and exit with its exit code (124 if it timed out).
One word after -- runs through /bin/bash -c, so "ls | wc -l" works when quoted;
several words run as argv without a shell.

Options:
  --cwd <dir>        Working directory (default /workspace)
  -e, --env <K=V>    Extra environment (repeatable)
  --timeout <ms>     Kill the command after this many milliseconds
`,
  run: (argv) => execute(parseExecArgs(argv)),
};
