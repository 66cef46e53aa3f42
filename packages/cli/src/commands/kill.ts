/** `paddock kill <id> <processId>|--all`: kill background process trees. */
import { PROCESS_SIGNALS, getSandbox, type ProcessSignal } from '@paddock/sdk';
import { globalsFrom, parseStrict, type Globals } from '../args.js';
import { connect } from '../client.js';
import { UsageError, type Command } from '../command.js';

const SIGNALS: readonly ProcessSignal[] = PROCESS_SIGNALS;

export interface KillArgs {
  id: string;
  /** Undefined with --all. */
  processId?: string;
  signal?: ProcessSignal;
  globals: Globals;
}

function signalOf(value: string | undefined): ProcessSignal | undefined {
  if (value === undefined) return undefined;
  const name = (value.startsWith('SIG') ? value : `SIG${value}`).toUpperCase();
  const found = SIGNALS.find((s) => s === name);
  if (!found) throw new UsageError(`--signal must be one of ${SIGNALS.join(', ')}`);
  return found;
}

export function parseKillArgs(argv: string[]): KillArgs {
  const { values, positionals } = parseStrict(argv, {
    all: { type: 'boolean' },
    signal: { type: 'string', short: 's' },
  });
  const [id, processId, ...extra] = positionals;
  if (id === undefined) throw new UsageError('kill needs a sandbox id');
  if (extra.length > 0 || (values.all === true) === (processId !== undefined)) {
    throw new UsageError('kill needs either one process id or --all');
  }
  const args: KillArgs = { id, globals: globalsFrom(values) };
  if (processId !== undefined) args.processId = processId;
  const signal = signalOf(values.signal);
  if (signal) args.signal = signal;
  return args;
}

export const kill: Command = {
  name: 'kill',
  summary: 'Kill a background process (its whole tree)',
  usage: `Usage: paddock kill <id> <processId> [--signal SIGTERM]
       paddock kill <id> --all [--signal SIGTERM]

Kill a background process and everything it started: the signal (default SIGTERM),
then SIGKILL for whatever is still alive after 5 seconds.

Options:
  -s, --signal <name>  SIGTERM, SIGKILL, SIGINT, SIGHUP, SIGQUIT, SIGUSR1 or SIGUSR2
  --all                Kill every running process of the sandbox
`,
  async run(argv) {
    const args = parseKillArgs(argv);
    const sandbox = getSandbox(connect(args.globals), args.id, { createIfMissing: false });
    if (args.processId === undefined) {
      const n = await sandbox.killAllProcesses(args.signal);
      console.log(`killed ${n} process${n === 1 ? '' : 'es'}`);
    } else {
      await sandbox.killProcess(args.processId, args.signal);
    }
    return 0;
  },
};
