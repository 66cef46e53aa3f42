/** `paddock sleep|wake|pause|resume <id...>`: a sandbox's lifecycle verbs. */
import type { Paddock } from '@paddock/sdk';
import { getSandbox } from '@paddock/sdk';
import { globalsFrom, parseStrict } from '../args.js';
import { connect } from '../client.js';
import { UsageError, type Command } from '../command.js';

type Verb = 'sleep' | 'wake' | 'pause' | 'resume';

const SUMMARIES: Record<Verb, string> = {
  sleep: 'Put sandboxes to sleep (runtime stopped, files kept; the next call wakes them)',
  wake: 'Wake sleeping or paused sandboxes',
  pause: 'Freeze sandboxes, keeping their memory (the next call resumes them)',
  resume: 'Resume paused sandboxes',
};

async function apply(client: Paddock, verb: Verb, id: string): Promise<string> {
  const sandbox = getSandbox(client, id, { createIfMissing: false });
  const info = await sandbox[verb]();
  return `${info.id}\t${info.state}`;
}

function lifecycleCommand(verb: Verb): Command {
  return {
    name: verb,
    summary: SUMMARIES[verb],
    usage: `Usage: paddock ${verb} <id...>\n\n${SUMMARIES[verb]}; prints each id and its state.\n`,
    async run(argv) {
      const { values, positionals } = parseStrict(argv, {});
      if (positionals.length === 0) throw new UsageError(`${verb} needs at least one sandbox id`);
      const client = connect(globalsFrom(values));
      for (const id of positionals) console.log(await apply(client, verb, id));
      return 0;
    },
  };
}

export const sleep = lifecycleCommand('sleep');
export const wake = lifecycleCommand('wake');
export const pause = lifecycleCommand('pause');
export const resume = lifecycleCommand('resume');
