/** `paddock expose | unexpose | ports`: a sandbox's preview URLs. */
import { getSandbox, type ExposePortOptions, type PreviewInfo } from '@paddock/sdk';
import { globalsFrom, parseIntFlag, parseStrict, type Globals } from '../args.js';
import { connect } from '../client.js';
import { UsageError, type Command } from '../command.js';
import { formatTable } from '../output.js';

export interface ExposeArgs {
  id: string;
  port: number;
  options: ExposePortOptions;
  json: boolean;
  globals: Globals;
}

function portOf(text: string | undefined): number {
  const port = parseIntFlag('port', text);
  if (port === undefined || port < 1 || port > 65535) {
    throw new UsageError(`expected a port number (1-65535), got "${text ?? ''}"`);
  }
  return port;
}

export function parseExposeArgs(argv: string[]): ExposeArgs {
  const { values, positionals } = parseStrict(argv, {
    name: { type: 'string' },
    private: { type: 'boolean' },
    expires: { type: 'string' },
    json: { type: 'boolean' },
  });
  if (positionals.length !== 2) throw new UsageError('expose needs a sandbox id and a port');
  const options: ExposePortOptions = {};
  if (values.name !== undefined) options.name = values.name;
  if (values.private) options.access = 'private';
  const expires = parseIntFlag('expires', values.expires);
  if (expires !== undefined) options.expiresIn = expires;
  return {
    id: positionals[0] as string,
    port: portOf(positionals[1]),
    options,
    json: values.json === true,
    globals: globalsFrom(values),
  };
}

export const expose: Command = {
  name: 'expose',
  summary: "Expose a sandbox's port as a preview URL",
  usage: `Usage: paddock expose <id> <port> [--name NAME] [--private] [--expires SECONDS] [--json]

Print a preview URL for a port a server in the sandbox listens on. The URL holds its token and is
shown only now. --private also needs an API key or a login cookie; --expires ends it after
SECONDS.
`,
  async run(argv) {
    const a = parseExposeArgs(argv);
    const sandbox = getSandbox(connect(a.globals), a.id, { createIfMissing: false });
    const r = await sandbox.exposePort(a.port, a.options);
    process.stdout.write(a.json ? `${JSON.stringify(r, null, 2)}\n` : `${r.url}\n`);
    return 0;
  },
};

export const unexpose: Command = {
  name: 'unexpose',
  summary: "Revoke a port's preview URL",
  usage: `Usage: paddock unexpose <id> <port>

Revoke the preview URL of a port: its token, links and cookies stop working at once.
`,
  async run(argv) {
    const { values, positionals } = parseStrict(argv, {});
    if (positionals.length !== 2) throw new UsageError('unexpose needs a sandbox id and a port');
    const sandbox = getSandbox(connect(globalsFrom(values)), positionals[0] as string, {
      createIfMissing: false,
    });
    await sandbox.unexposePort(portOf(positionals[1]));
    return 0;
  },
};

export function portsTable(ports: readonly PreviewInfo[]): string {
  const rows = ports.map((p) => [String(p.port), p.name, p.access, p.expiresAt ?? '', p.createdAt]);
  return formatTable(['PORT', 'NAME', 'ACCESS', 'EXPIRES', 'CREATED'], rows);
}

export const ports: Command = {
  name: 'ports',
  summary: "List a sandbox's exposed ports",
  usage: `Usage: paddock ports <id> [--json]

List the exposed ports of a sandbox (URLs are not shown again: their tokens are kept hashed).
`,
  async run(argv) {
    const { values, positionals } = parseStrict(argv, { json: { type: 'boolean' } });
    if (positionals.length !== 1) throw new UsageError('ports needs exactly one sandbox id');
    const sandbox = getSandbox(connect(globalsFrom(values)), positionals[0] as string, {
      createIfMissing: false,
    });
    const list = await sandbox.getExposedPorts();
    process.stdout.write(values.json ? `${JSON.stringify(list, null, 2)}\n` : portsTable(list));
    return 0;
  },
};
