/**
 * One sandbox's egress rules as nft script text (pure, pinned by tests). Its chain and sets are
 * named after its address, so a key of the `sandboxes` verdict map always maps to the same chain
 * and every script here is idempotent: applying rewrites the chain and sets in one transaction,
 * removing tolerates a sandbox that has none.
 *
 * Order inside the chain: the policy's deny CIDRs, then its allowed CIDRs (an explicit allow may
 * open a private range; the always-denied set was checked before the jump), then the private
 * ranges, then addresses its resolver pinned for allowed domains (after the private ranges, so a
 * domain resolving to a private address opens nothing: no DNS rebinding), then `internet`.
 */
import { parseNetworkEntry, type NetworkPolicy } from '@paddock/protocol';
import { mergeCidrs } from './cidr.js';

export interface PolicyCidrs {
  allow4: string[];
  allow6: string[];
  deny4: string[];
  deny6: string[];
  allowDomains: string[];
  denyDomains: string[];
}

/** Split a policy's entries by kind (entries were validated at the boundary). */
export function policyCidrs(policy: NetworkPolicy): PolicyCidrs {
  const split = (list: string[]) => {
    const parsed = list.map(parseNetworkEntry);
    const of = (kind: string) =>
      parsed.flatMap((e) => (e?.kind === kind && 'cidr' in e ? [e.cidr] : []));
    const domains = parsed.flatMap((e) => (e?.kind === 'domain' ? [e.domain] : []));
    return { v4: mergeCidrs(of('cidr4')), v6: mergeCidrs(of('cidr6')), domains };
  };
  const allow = split(policy.allow);
  const deny = split(policy.deny);
  return {
    allow4: allow.v4,
    allow6: allow.v6,
    deny4: deny.v4,
    deny6: deny.v6,
    allowDomains: allow.domains,
    denyDomains: deny.domains,
  };
}

/** `10.1.0.2` → `sb_10_1_0_2`: the sandbox's chain; its sets add a suffix. */
export function sandboxChain(sandboxIp: string): string {
  return `sb_${sandboxIp.replace(/\./g, '_')}`;
}

const SETS = [
  { suffix: 'a4', spec: 'type ipv4_addr; flags interval;' },
  { suffix: 'a6', spec: 'type ipv6_addr; flags interval;' },
  { suffix: 'd4', spec: 'type ipv4_addr; flags interval;' },
  { suffix: 'd6', spec: 'type ipv6_addr; flags interval;' },
  // Addresses the resolver pinned for allowed domains, each expiring with its DNS answer.
  { suffix: 'n4', spec: 'type ipv4_addr; flags timeout;' },
] as const;

export function applyPolicyScript(table: string, sandboxIp: string, policy: NetworkPolicy): string {
  const chain = sandboxChain(sandboxIp);
  const c = policyCidrs(policy);
  const members: Record<string, string[]> = {
    a4: c.allow4,
    a6: c.allow6,
    d4: c.deny4,
    d6: c.deny6,
    n4: [],
  };
  const t = `inet ${table}`;
  const lines = [`add chain ${t} ${chain}`, `flush chain ${t} ${chain}`];
  for (const { suffix, spec } of SETS) {
    const set = `${chain}_${suffix}`;
    lines.push(`add set ${t} ${set} { ${spec} }`, `flush set ${t} ${set}`);
    const els = members[suffix] ?? [];
    if (els.length > 0) lines.push(`add element ${t} ${set} { ${els.join(', ')} }`);
  }
  const rule = (r: string) => lines.push(`add rule ${t} ${chain} ${r}`);
  rule(`ip daddr @${chain}_d4 drop`);
  rule(`ip6 daddr @${chain}_d6 drop`);
  rule(`ip daddr @${chain}_a4 accept`);
  rule(`ip6 daddr @${chain}_a6 accept`);
  rule('ip daddr @private4 drop');
  rule('ip6 daddr @private6 drop');
  rule(`ip daddr @${chain}_n4 accept`);
  if (policy.internet) rule('accept');
  rule('drop');
  lines.push(`add element ${t} sandboxes { ${sandboxIp} : jump ${chain} }`, '');
  return lines.join('\n');
}

/** Everything applyPolicyScript made; a no-op (not an error) when there is nothing. */
export function removePolicyScript(table: string, sandboxIp: string): string {
  const chain = sandboxChain(sandboxIp);
  const t = `inet ${table}`;
  const lines = [
    `add chain ${t} ${chain}`,
    `add element ${t} sandboxes { ${sandboxIp} : jump ${chain} }`,
    `delete element ${t} sandboxes { ${sandboxIp} }`,
    `flush chain ${t} ${chain}`,
    `delete chain ${t} ${chain}`,
  ];
  for (const { suffix, spec } of SETS) {
    lines.push(`add set ${t} ${chain}_${suffix} { ${spec} }`, `delete set ${t} ${chain}_${suffix}`);
  }
  lines.push('');
  return lines.join('\n');
}

/** TTL bounds of a pinned address: a floor so clients' own caches outlive no pin, a ceiling. */
export const PIN_MIN_SECONDS = 60;
export const PIN_MAX_SECONDS = 3600;

/**
 * Pin resolved addresses into the sandbox's set with a timeout from their TTL. Add, delete, add:
 * the only way in one transaction to both create a missing element and refresh an existing one.
 */
export function pinScript(
  table: string,
  sandboxIp: string,
  pins: readonly { ip: string; ttl: number }[],
): string {
  const set = `inet ${table} ${sandboxChain(sandboxIp)}_n4`;
  const lines: string[] = [];
  for (const { ip, ttl } of pins) {
    const secs = Math.min(PIN_MAX_SECONDS, Math.max(PIN_MIN_SECONDS, Math.floor(ttl)));
    const el = `{ ${ip} timeout ${secs}s }`;
    lines.push(`add element ${set} ${el}`, `delete element ${set} { ${ip} }`);
    lines.push(`add element ${set} ${el}`);
  }
  lines.push('');
  return lines.join('\n');
}
