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
  // Output is relayed live as the command makes it; Ctrl-C ends the stream, which kills it.
  const abort = new AbortController();
  const stop = () => abort.abort();
  process.once('SIGINT', stop);
  try {
    const result = await sandbox.exec(args.command, {
      ...options,
      stream: true,
      signal: abort.signal,
      onOutput: (stream, data) =>
        (stream === 'stdout' ? process.stdout : process.stderr).write(data),
    });
    if (result.truncated) console.error('paddock: output was truncated by the daemon');
    return exitCodeOf(result);
  } catch (e) {
    if (abort.signal.aborted) return 130;
    if (e instanceof CommandTimeoutError) endLine(e);
    throw e;
  } finally {
    process.off('SIGINT', stop);
  }
}

/** After a timed-out command's live output, end on a fresh line so the error reads on its own. */
function endLine(e: CommandTimeoutError): void {
  const lastOnScreen = e.stderr || (process.stdout.isTTY ? e.stdout : '');
  if (lastOnScreen && !lastOnScreen.endsWith('\n')) process.stderr.write('\n');
}

export const exec: Command = {
  name: 'exec',
  summary: 'Run a command in a sandbox',
  usage: `Usage: paddock exec <id> [options] -- <command...>

Run a command in a sandbox, relaying its output live, and exit with its exit code
(124 if it timed out, 130 if interrupted).
One word after -- runs through /bin/bash -c, so "ls | wc -l" works when quoted;
several words run as argv without a shell.

Options:
  --cwd <dir>        Working directory (default /workspace)
  -e, --env <K=V>    Extra environment (repeatable)
  --timeout <ms>     Kill the command after this many milliseconds
`,
  run: (argv) => execute(parseExecArgs(argv)),
};
