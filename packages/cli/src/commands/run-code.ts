/** `paddock run-code <id> -e '<code>'`: run code in a code context, printing output and results. */
import { readFileSync } from 'node:fs';
import { getSandbox, type CodeLanguage, type RichResult } from '@paddock/sdk';
import { globalsFrom, parseIntFlag, parseStrict, type Globals } from '../args.js';
import { connect } from '../client.js';
import { UsageError, type Command } from '../command.js';

const OPTIONS = {
  lang: { type: 'string', short: 'l' },
  context: { type: 'string', short: 'c' },
  eval: { type: 'string', short: 'e' },
  file: { type: 'string', short: 'f' },
  timeout: { type: 'string' },
} as const;

const LANGUAGES: readonly CodeLanguage[] = ['python', 'javascript', 'typescript'];

export interface RunCodeArgs {
  id: string;
  code: string;
  language?: CodeLanguage;
  context?: string;
  timeout?: number;
  globals: Globals;
}

export function parseRunCodeArgs(argv: string[], readFile = readFileSync): RunCodeArgs {
  const { values, positionals } = parseStrict(argv, OPTIONS);
  const [id, ...extra] = positionals;
  if (id === undefined) throw new UsageError('run-code needs a sandbox id');
  if (extra.length > 0) throw new UsageError(`unexpected argument '${extra[0]}'`);
  if ((values.eval === undefined) === (values.file === undefined)) {
    throw new UsageError('run-code needs the code as -e <code> or -f <file> (- for stdin)');
  }
  const code = values.eval ?? readFile(values.file === '-' ? 0 : (values.file as string), 'utf8');
  const args: RunCodeArgs = { id, code, globals: globalsFrom(values) };
  if (values.lang !== undefined) {
    if (!LANGUAGES.includes(values.lang as CodeLanguage)) {
      throw new UsageError(`--lang must be one of ${LANGUAGES.join(', ')}`);
    }
    args.language = values.lang as CodeLanguage;
  }
  if (values.context !== undefined) args.context = values.context;
  const timeout = parseIntFlag('timeout', values.timeout);
  if (timeout !== undefined) args.timeout = timeout;
  return args;
}

/** One line per result: its text, and which richer forms it also has. */
export function describeResult(result: RichResult): string {
  const forms = (['html', 'png', 'jpeg', 'svg', 'markdown', 'latex', 'json'] as const).filter(
    (k) => result[k] !== undefined,
  );
  const text = result.text ?? '';
  return forms.length === 0 ? text : `${text}${text ? ' ' : ''}[${forms.join(', ')}]`;
}

async function execute(args: RunCodeArgs): Promise<number> {
  const sandbox = getSandbox(connect(args.globals), args.id, { createIfMissing: false });
  const r = await sandbox.runCode(args.code, {
    ...(args.language ? { language: args.language } : {}),
    ...(args.context ? { context: args.context } : {}),
    ...(args.timeout !== undefined ? { timeout: args.timeout } : {}),
    onStdout: (d) => process.stdout.write(d),
    onStderr: (d) => process.stderr.write(d),
    onResult: (x) => console.log(describeResult(x)),
  });
  if (!r.error) return 0;
  process.stderr.write(r.error.traceback.join('') || `${r.error.name}: ${r.error.message}\n`);
  return 1;
}

export const runCode: Command = {
  name: 'run-code',
  summary: 'Run Python, JavaScript or TypeScript in a code context',
  usage: `Usage: paddock run-code <id> [options] (-e <code> | -f <file>)

Run code in a sandbox's code context (its variables persist between runs), printing its output
and the value of its last expression; exit 1 if the code raised an error.

Options:
  -e, --eval <code>     The code
  -f, --file <path>     Read the code from a file (- for stdin)
  -l, --lang <name>     python (default), javascript or typescript
  -c, --context <id>    A context made with the SDK (default: the language's default context)
  --timeout <ms>        Interrupt the run after this many milliseconds (default 60000)
`,
  run: (argv) => execute(parseRunCodeArgs(argv)),
};
