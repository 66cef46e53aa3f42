/**
 * `paddock logs <id> --console`: the tail of a sandbox's console.
 * `paddock logs <id> <processId> [-f]`: a background process's output, followed with -f.
 */
import { errorFromBody, getSandbox, type Sandbox } from '@paddock/sdk';
import { globalsFrom, parseStrict, type Globals } from '../args.js';
import { connect } from '../client.js';
import { UsageError, type Command } from '../command.js';

export interface LogsArgs {
  id: string;
  /** Absent with --console. */
  processId?: string;
  follow: boolean;
  globals: Globals;
}

export function parseLogsArgs(argv: string[]): LogsArgs {
  const { values, positionals } = parseStrict(argv, {
    console: { type: 'boolean' },
    follow: { type: 'boolean', short: 'f' },
  });
  const [id, processId, ...extra] = positionals;
  if (id === undefined || extra.length > 0) {
    throw new UsageError('logs needs a sandbox id, then a process id or --console');
  }
  if ((values.console === true) === (processId !== undefined)) {
    throw new UsageError('logs shows either a process (give its id) or the console (--console)');
  }
  if (values.console && values.follow) throw new UsageError('--follow works for processes only');
  const args: LogsArgs = { id, follow: values.follow === true, globals: globalsFrom(values) };
  if (processId !== undefined) args.processId = processId;
  return args;
}

/** Relays the stream until the process exits; Ctrl-C stops following (the process runs on). */
async function follow(sandbox: Sandbox, processId: string): Promise<number> {
  const abort = new AbortController();
  const stop = () => abort.abort();
  process.once('SIGINT', stop);
  try {
    for await (const ev of sandbox.streamProcessLogs(processId, { signal: abort.signal })) {
      if (ev.type === 'stdout') process.stdout.write(ev.data);
      else if (ev.type === 'stderr') process.stderr.write(ev.data);
      else if (ev.type === 'error') throw errorFromBody({ code: ev.code, message: ev.message });
    }
    return 0;
  } catch (e) {
    if (abort.signal.aborted) return 130;
    throw e;
  } finally {
    process.off('SIGINT', stop);
  }
}

async function show(args: LogsArgs): Promise<number> {
  const sandbox = getSandbox(connect(args.globals), args.id, { createIfMissing: false });
  if (args.processId === undefined) {
    process.stdout.write(await sandbox.consoleLog());
    return 0;
  }
  if (args.follow) return follow(sandbox, args.processId);
  const logs = await sandbox.getProcessLogs(args.processId);
  process.stdout.write(logs.stdout);
  process.stderr.write(logs.stderr);
  return 0;
}

export const logs: Command = {
  name: 'logs',
  summary: "Show a background process's output, or a sandbox's console",
  usage: `Usage: paddock logs <id> <processId> [-f]
       paddock logs <id> --console

With a process id: print the output the process made (the last 1 MiB of stdout
to stdout, of stderr to stderr); -f replays it, then follows until the process
exits (Ctrl-C stops following and leaves the process running).

With --console: print the tail of the sandbox's console: a microVM's serial
console, or the output of a container's init and agent. Useful when a sandbox
would not start or died.

Options:
  -f, --follow   Follow the process's output live
  --console      Show the sandbox's console instead
`,
  run: (argv) => show(parseLogsArgs(argv)),
};
