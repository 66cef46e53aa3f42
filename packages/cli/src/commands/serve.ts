/** `paddock serve`: run the daemon in the foreground, by running `paddockd serve`. */
import type { Command } from '../command.js';
import { runDaemon } from '../daemon.js';

export const serve: Command = {
  name: 'serve',
  summary: 'Run the daemon in the foreground (runs paddockd serve)',
  usage: `Usage: paddock serve [daemon flags...]

Runs "paddockd serve" with the same arguments; "paddock serve --help" shows the daemon's own help.
`,
  run: (argv) => runDaemon('serve', argv),
};
