/** `paddock cp`: copy a file into or out of a sandbox, streamed (no size cap). */
import { createReadStream, createWriteStream } from 'node:fs';
import type { Writable } from 'node:stream';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { getSandbox } from '@paddock/sdk';
import { globalsFrom, parseStrict, type Globals } from '../args.js';
import { connect } from '../client.js';
import { UsageError, type Command } from '../command.js';

export interface Remote {
  id: string;
  path: string;
}

export type CpArgs =
  | { direction: 'in'; local: string; remote: Remote; globals: Globals }
  | { direction: 'out'; local: string; remote: Remote; globals: Globals };

/** `<id>:<path>` names a file in a sandbox; anything else is a local path (`-` for stdio). */
export function parseRemote(arg: string): Remote | undefined {
  const m = /^([a-z0-9](?:[a-z0-9-]*[a-z0-9])?):(.+)$/.exec(arg);
  return m ? { id: m[1] as string, path: m[2] as string } : undefined;
}

export function parseCpArgs(argv: string[]): CpArgs {
  const { values, positionals } = parseStrict(argv, {});
  const [from, to] = positionals;
  if (positionals.length !== 2 || from === undefined || to === undefined) {
    throw new UsageError('cp needs a source and a destination');
  }
  const globals = globalsFrom(values);
  const src = parseRemote(from);
  const dst = parseRemote(to);
  if (src && !dst) return { direction: 'out', remote: src, local: to, globals };
  if (dst && !src) return { direction: 'in', remote: dst, local: from, globals };
  throw new UsageError('exactly one of source and destination must be <id>:<path>');
}

async function copy(args: CpArgs): Promise<number> {
  const sandbox = getSandbox(connect(args.globals), args.remote.id, { createIfMissing: false });
  if (args.direction === 'in') {
    const source = args.local === '-' ? process.stdin : createReadStream(args.local);
    await sandbox.writeFile(args.remote.path, Readable.toWeb(source) as ReadableStream<Uint8Array>);
    return 0;
  }
  const bytes = await sandbox.readFileStream(args.remote.path);
  const sink = args.local === '-' ? process.stdout : createWriteStream(args.local);
  await pipeline(
    Readable.fromWeb(bytes as Parameters<typeof Readable.fromWeb>[0]),
    sink as Writable,
  );
  return 0;
}

export const cp: Command = {
  name: 'cp',
  summary: 'Copy a file into or out of a sandbox',
  usage: `Usage: paddock cp <local> <id>:<path>
       paddock cp <id>:<path> <local>

Copy a file, streamed, with no size limit but the sandbox's disk quota. Use - for
stdin or stdout. Relative sandbox paths start at /workspace.
`,
  run: (argv) => copy(parseCpArgs(argv)),
};
