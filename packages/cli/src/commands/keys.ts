/** `paddock keys create|ls|revoke`: manage API keys and tenants (with an admin key). */
import type { CreateKeyRequest, KeyInfo, KeyScope } from '@paddock/sdk';
import { globalsFrom, parseIntFlag, parseStrict, type Globals } from '../args.js';
import { connect } from '../client.js';
import { UsageError, type Command } from '../command.js';
import { formatTable } from '../output.js';

const SCOPES: readonly KeyScope[] = ['admin', 'read', 'exec', 'files', 'previews'];

const OPTIONS = {
  tenant: { type: 'string' },
  name: { type: 'string' },
  scope: { type: 'string', multiple: true },
  'expires-in': { type: 'string' },
} as const;

export type KeysArgs =
  | { verb: 'create'; request: CreateKeyRequest; globals: Globals }
  | { verb: 'ls'; globals: Globals }
  | { verb: 'revoke'; id: string; globals: Globals };

export function parseKeysArgs(argv: string[]): KeysArgs {
  const { values, positionals } = parseStrict(argv, OPTIONS);
  const [verb, ...rest] = positionals;
  const globals = globalsFrom(values);
  if (verb === 'ls' && rest.length === 0) return { verb, globals };
  if (verb === 'revoke' && rest.length === 1) return { verb, id: rest[0] as string, globals };
  if (verb !== 'create' || rest.length > 0)
    throw new UsageError('usage: paddock keys create|ls|revoke <id>');
  const request: CreateKeyRequest = {};
  if (values.tenant !== undefined) request.tenant = values.tenant;
  if (values.name !== undefined) request.name = values.name;
  if (values.scope) request.scopes = values.scope.map(scopeOf);
  const expires = parseIntFlag('expires-in', values['expires-in']);
  if (expires !== undefined) request.expiresInSeconds = expires;
  return { verb, request, globals };
}

function scopeOf(raw: string): KeyScope {
  const found = SCOPES.find((s) => s === raw);
  if (!found) throw new UsageError(`--scope must be one of ${SCOPES.join(', ')}`);
  return found;
}

export function keyTable(keys: readonly KeyInfo[]): string {
  const rows = keys.map((k) => [
    k.id,
    k.tenant,
    k.scopes.join(','),
    k.revoked ? 'revoked' : (k.expiresAt ?? 'never'),
    k.name ?? '',
  ]);
  return formatTable(['ID', 'TENANT', 'SCOPES', 'EXPIRES', 'NAME'], rows);
}

async function run(args: KeysArgs): Promise<number> {
  const client = connect(args.globals);
  if (args.verb === 'ls') process.stdout.write(keyTable(await client.listKeys()));
  else if (args.verb === 'revoke')
    process.stdout.write(`${(await client.revokeKey(args.id)).id}\n`);
  else {
    const { key, info } = await client.createKey(args.request);
    // The key goes to stdout alone (for scripts); what it is, to stderr.
    process.stderr.write(
      `key ${info.id} for tenant ${info.tenant} (${info.scopes.join(', ')}); shown once\n`,
    );
    process.stdout.write(`${key}\n`);
  }
  return 0;
}

export const keys: Command = {
  name: 'keys',
  summary: 'Manage API keys and tenants (admin key)',
  usage: `Usage: paddock keys create [--tenant T] [--name N] [--scope S]... [--expires-in SECONDS]
       paddock keys ls
       paddock keys revoke <id>

Scopes: admin, read, exec, files, previews (default: exec, files, previews).
A key only ever sees its own tenant's sandboxes. The new key is printed once.
`,
  run: (argv) => run(parseKeysArgs(argv)),
};
