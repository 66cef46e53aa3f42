/**
 * A sandbox's egress policy: whether it reaches the internet, and allow/deny lists of CIDRs and
 * domain names. Entries are parsed here (pure, no Node APIs) so every boundary rejects the same
 * bad input with the same message, and the daemon gets them in canonical form.
 */
import { array, boolean, object, optional, type Infer, type Schema } from './schema.js';

export const MAX_NETWORK_ENTRIES = 256;

export type NetworkEntry =
  | { kind: 'cidr4'; cidr: string }
  | { kind: 'cidr6'; cidr: string }
  | { kind: 'domain'; domain: string };

/** `a.b.c.d` to its 32-bit value, or undefined. */
export function parseIpv4(text: string): number | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (!m) return undefined;
  const octets = m.slice(1, 5).map(Number);
  if (octets.some((o) => o > 255)) return undefined;
  return octets.reduce((acc, o) => acc * 256 + o, 0);
}

export function ipv4String(n: number): string {
  return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');
}

/** An IPv6 address to its eight 16-bit groups, or undefined (no embedded IPv4 form). */
export function parseIpv6(text: string): number[] | undefined {
  if (!/^[0-9a-fA-F:]{2,39}$/.test(text)) return undefined;
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const groups = (s: string) => (s === '' ? [] : s.split(':'));
  const head = groups(halves[0] ?? '');
  const tail = halves.length === 2 ? groups(halves[1] ?? '') : [];
  const missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined;
  const all = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...tail];
  if (all.some((g) => !/^[0-9a-fA-F]{1,4}$/.test(g))) return undefined;
  return all.map((g) => parseInt(g, 16));
}

function ipv6String(groups: number[]): string {
  return groups.map((g) => g.toString(16)).join(':');
}

function cidr4(text: string): NetworkEntry | undefined {
  const [addr = '', len, extra] = text.split('/');
  if (extra !== undefined) return undefined;
  const ip = parseIpv4(addr);
  const prefix = len === undefined ? 32 : Number(len);
  if (ip === undefined || !/^\d{1,2}$/.test(len ?? '32') || prefix > 32) return undefined;
  const size = 2 ** (32 - prefix);
  return { kind: 'cidr4', cidr: `${ipv4String(ip - (ip % size))}/${prefix}` };
}

function cidr6(text: string): NetworkEntry | undefined {
  const [addr = '', len, extra] = text.split('/');
  if (extra !== undefined) return undefined;
  const groups = parseIpv6(addr);
  const prefix = len === undefined ? 128 : Number(len);
  if (!groups || !/^\d{1,3}$/.test(len ?? '128') || prefix > 128) return undefined;
  const masked = groups.map((g, i) => {
    const keep = Math.min(16, Math.max(0, prefix - i * 16));
    return keep === 0 ? 0 : g & (0xffff << (16 - keep)) & 0xffff;
  });
  return { kind: 'cidr6', cidr: `${ipv6String(masked)}/${prefix}` };
}

const LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

function domain(text: string): NetworkEntry | undefined {
  const name = text.toLowerCase().replace(/\.$/, '');
  const labels = name.split('.');
  if (name.length > 253 || labels.length < 2 || !labels.every((l) => LABEL.test(l))) {
    return undefined;
  }
  if (/^\d+$/.test(labels[labels.length - 1] ?? '')) return undefined;
  return { kind: 'domain', domain: name };
}

/**
 * One allow/deny entry: an IPv4 or IPv6 address or CIDR (host bits cleared), or a domain name
 * (lower-cased; it also covers the name's subdomains).
 */
export function parseNetworkEntry(text: string): NetworkEntry | undefined {
  if (text.length === 0 || text.length > 253) return undefined;
  if (text.includes(':')) return cidr6(text);
  if (/^[\d./]+$/.test(text)) return cidr4(text);
  return domain(text);
}

export function entryText(e: NetworkEntry): string {
  return e.kind === 'domain' ? e.domain : e.cidr;
}

const entrySchema: Schema<string> = {
  json: {
    type: 'string',
    maxLength: 253,
    description: 'An IPv4/IPv6 address or CIDR, or a domain name (also covers its subdomains).',
  },
  optional: false,
  check: (v, path) => {
    const parsed = typeof v === 'string' ? parseNetworkEntry(v) : undefined;
    if (!parsed) {
      const message = 'must be an IPv4/IPv6 address or CIDR, or a domain name like example.com';
      return { ok: false, issue: { path, message } };
    }
    return { ok: true, value: entryText(parsed) };
  },
};

const entries = () => optional(array(entrySchema, { max: MAX_NETWORK_ENTRIES }));

export const networkPolicySchema = object(
  {
    internet: optional(boolean()),
    allow: entries(),
    deny: entries(),
  },
  'Egress policy. The host, other sandboxes, link-local and the host networks are always denied.',
);
export type NetworkPolicyInput = Infer<typeof networkPolicySchema>;

/** The policy as stored and reported: every field present. */
export interface NetworkPolicy {
  internet: boolean;
  allow: string[];
  deny: string[];
}

export function normalizePolicy(input: NetworkPolicyInput | undefined): NetworkPolicy {
  const uniq = (list: string[] | undefined) => [...new Set(list ?? [])];
  return {
    internet: input?.internet ?? false,
    allow: uniq(input?.allow),
    deny: uniq(input?.deny),
  };
}

export const networkPolicyInfoSchema = object({
  internet: boolean(),
  allow: array(entrySchema, { max: MAX_NETWORK_ENTRIES }),
  deny: array(entrySchema, { max: MAX_NETWORK_ENTRIES }),
});
