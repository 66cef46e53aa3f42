/** `paddock network <id> [policy flags]`: show or replace a sandbox's egress policy. */
import { setNetworkPolicy, type NetworkPolicy, type NetworkPolicyInput } from '@paddock/sdk';
import { globalsFrom, parseStrict, type Globals } from '../args.js';
import { connect } from '../client.js';
import { UsageError, type Command } from '../command.js';

/** The policy flags `create` and `network` share. */
export const NETWORK_OPTIONS = {
  internet: { type: 'boolean' },
  allow: { type: 'string', multiple: true },
  deny: { type: 'string', multiple: true },
} as const;

export const NETWORK_USAGE = `  --internet         Let the sandbox reach the internet (default: no egress)
  --allow <x>        Allow a CIDR or domain (and its subdomains), repeatable
  --deny <x>         Deny a CIDR or domain, repeatable (wins over --allow and --internet)
`;

/** The policy the flags describe, or undefined when none was given. */
export function policyFrom(values: {
  internet?: boolean;
  allow?: string[];
  deny?: string[];
}): NetworkPolicyInput | undefined {
  if (values.internet === undefined && !values.allow && !values.deny) return undefined;
  const policy: NetworkPolicyInput = {};
  if (values.internet) policy.internet = true;
  if (values.allow) policy.allow = values.allow;
  if (values.deny) policy.deny = values.deny;
  return policy;
}

export interface NetworkArgs {
  id: string;
  /** Undefined: show the current policy. */
  policy: NetworkPolicyInput | undefined;
  globals: Globals;
}

export function parseNetworkArgs(argv: string[]): NetworkArgs {
  const { values, positionals } = parseStrict(argv, {
    ...NETWORK_OPTIONS,
    none: { type: 'boolean' },
  });
  if (positionals.length !== 1) throw new UsageError('network needs exactly one sandbox id');
  const policy = values.none ? {} : policyFrom(values);
  if (values.none && policyFrom(values)) throw new UsageError('--none takes no other policy flag');
  return { id: positionals[0] as string, policy, globals: globalsFrom(values) };
}

export function formatPolicy(p: NetworkPolicy): string {
  const list = (l: string[]) => (l.length === 0 ? '-' : l.join(' '));
  return `internet  ${p.internet ? 'yes' : 'no'}\nallow     ${list(p.allow)}\ndeny      ${list(p.deny)}\n`;
}

export const network: Command = {
  name: 'network',
  summary: "Show or replace a sandbox's egress policy",
  usage: `Usage: paddock network <id> [options]

Without options, print the sandbox's egress policy. With options, replace it (new connections
follow it at once). The host, other sandboxes, link-local addresses and the host's own networks
are never reachable; private ranges only through an explicit --allow of a CIDR.

Options:
${NETWORK_USAGE}  --none             Back to the default: no egress
`,
  async run(argv) {
    const args = parseNetworkArgs(argv);
    const client = connect(args.globals);
    const policy = args.policy
      ? await setNetworkPolicy(client, args.id, args.policy)
      : (await client.getSandboxInfo(args.id)).network;
    process.stdout.write(formatPolicy(policy));
    return 0;
  },
};
