/** `paddock setup`: prepare this host, by running `paddockd setup`. */
import type { Command } from '../command.js';
import { runDaemon } from '../daemon.js';

export const setup: Command = {
  name: 'setup',
  summary: 'Prepare this host for the daemon (runs paddockd setup)',
  usage: `Usage: paddock setup [--data-dir <dir>] [daemon flags...]

Runs "paddockd setup" with the same arguments; "paddock setup --help" shows the daemon's own help.
`,
  run: (argv) => runDaemon('setup', argv),
};
