/**
 * `paddock shell <id> [--session S]`: an interactive shell in the sandbox's terminal. The local
 * TTY goes raw (Ctrl-C reaches the sandbox's shell), stdin is forwarded, the window size follows
 * SIGWINCH, and the TTY is restored however the shell ends; the exit code is the shell's.
 */
import { getSandbox, type Terminal, type TerminalExit } from '@paddock/sdk';
import { globalsFrom, parseStrict, type Globals } from '../args.js';
import { connect } from '../client.js';
import { UsageError, type Command } from '../command.js';

export interface ShellArgs {
  id: string;
  session?: string;
  globals: Globals;
}

export function parseShellArgs(argv: string[]): ShellArgs {
  const { values, positionals } = parseStrict(argv, { session: { type: 'string' } });
  const [id, ...extra] = positionals;
  if (id === undefined || extra.length > 0) throw new UsageError('shell needs one sandbox id');
  const args: ShellArgs = { id, globals: globalsFrom(values) };
  if (typeof values.session === 'string') args.session = values.session;
  return args;
}

function size(): { cols: number; rows: number } {
  return { cols: process.stdout.columns || 80, rows: process.stdout.rows || 24 };
}

/** Wire the local TTY to the terminal until it exits; undo everything afterwards. */
function attach(term: Terminal): Promise<TerminalExit> {
  const stdin = process.stdin;
  const raw = stdin.isTTY === true;
  const onInput = (chunk: Buffer) => term.write(chunk);
  const onResize = () => term.resize(size().cols, size().rows);
  if (raw) stdin.setRawMode(true);
  stdin.on('data', onInput);
  process.on('SIGWINCH', onResize);
  term.onData((data) => process.stdout.write(data));
  return new Promise<TerminalExit>((resolve) => term.onExit(resolve)).finally(() => {
    process.off('SIGWINCH', onResize);
    stdin.off('data', onInput);
    if (raw) stdin.setRawMode(false);
    stdin.pause();
  });
}

async function run(args: ShellArgs): Promise<number> {
  const sandbox = getSandbox(connect(args.globals), args.id, { createIfMissing: false });
  const term = await sandbox.terminal({ sessionId: args.session, ...size() });
  const exit = await attach(term);
  if (exit.error) process.stderr.write(`\r\npaddock shell: ${exit.error}\r\n`);
  return exit.code < 0 ? 1 : exit.code;
}

export const shell: Command = {
  name: 'shell',
  summary: 'Open an interactive shell (a PTY) in a sandbox',
  usage: `Usage: paddock shell <id> [--session <session>]

Open the sandbox's terminal: bash -l in /workspace (or in the session's cwd and
env with --session). Output made while nobody was attached (the last 256 KiB) is
shown first; several shells may watch one terminal. Exits with the shell's code.

Options:
  --session <id>   The session whose terminal to open
`,
  run: (argv) => run(parseShellArgs(argv)),
};
