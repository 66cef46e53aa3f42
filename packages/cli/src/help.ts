/** The top-level `paddock --help` text. */
import type { Command } from './command.js';

export function generalHelp(commands: readonly Command[]): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  const list = commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join('\n');
  return `Usage: paddock <command> [options]

Self-hosted sandboxes for untrusted code.

Commands:
${list}

Global options:
  --url <url>        Daemon URL (default: $PADDOCK_URL, else http://127.0.0.1:7070)
  --api-key <key>    API key (default: $PADDOCK_API_KEY; prefer the variable, flags show in ps)
  -h, --help         Show help; 'paddock <command> --help' for a command
  --version          Print the version
`;
}
