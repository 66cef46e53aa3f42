/**
 * The daemon's nftables table as script text (pure, pinned by tests). One table per daemon
 * subnet, so daemons on one host never touch each other's rules; every rule matches this
 * daemon's subnet or its sandboxes' interfaces only. Per-sandbox egress policy lives in chains
 * and sets named after the sandbox's address (net/egress-rules.ts), reached through one verdict
 * map, so changing a policy rewrites one chain atomically and never renumbers other rules.
 */
import { HOST_IF_PREFIX } from './plan.js';
import { mergeCidrs } from './cidr.js';

export interface FirewallOptions {
  subnetCidr: string;
  /** UDP/TCP port of the daemon's DNS resolver; sandboxes' port 53 on their gateway goes there. */
  resolverPort: number;
  /** The host's default-route interface: allowed egress is masqueraded out of it. */
  uplink: string | undefined;
  /** The host's own addresses and the networks of its interfaces, computed at start. */
  hostNets4: readonly string[];
  hostNets6: readonly string[];
}

/** Never reachable from a sandbox, whatever its policy. */
export const ALWAYS_DENIED4 = [
  '0.0.0.0/8',
  '127.0.0.0/8',
  '169.254.0.0/16',
  '224.0.0.0/3',
  '255.255.255.255/32',
];
export const ALWAYS_DENIED6 = ['::/127', '::ffff:0:0/96', 'fe80::/10', 'ff00::/8'];

/** Denied unless a policy allows a CIDR in them explicitly (RFC 1918, CGNAT, ULA). */
export const PRIVATE4 = ['10.0.0.0/8', '100.64.0.0/10', '172.16.0.0/12', '192.168.0.0/16'];
export const PRIVATE6 = ['fc00::/7'];

export function firewallTable(subnetCidr: string): string {
  return `paddock_${subnetCidr.replace(/[./]/g, '_')}`;
}

function elements(list: readonly string[]): string {
  return list.length === 0 ? '' : ` elements = { ${list.join(', ')} };`;
}

function sets(o: FirewallOptions): string[] {
  const always4 = mergeCidrs([o.subnetCidr, ...ALWAYS_DENIED4, ...o.hostNets4]);
  const always6 = mergeCidrs([...ALWAYS_DENIED6, ...o.hostNets6]);
  return [
    `  set always4 { type ipv4_addr; flags interval;${elements(always4)} }`,
    `  set always6 { type ipv6_addr; flags interval;${elements(always6)} }`,
    `  set private4 { type ipv4_addr; flags interval;${elements(PRIVATE4)} }`,
    `  set private6 { type ipv6_addr; flags interval;${elements(PRIVATE6)} }`,
    '  map sandboxes { type ipv4_addr : verdict; }',
  ];
}

function chains(o: FirewallOptions): string[] {
  const sub = o.subnetCidr;
  const ifs = `iifname "${HOST_IF_PREFIX}*"`;
  const fromSandbox = `${ifs} ip saddr ${sub}`;
  const dns = `meta l4proto { tcp, udp } th dport`;
  return [
    '  chain input {',
    '    type filter hook input priority -10; policy accept;',
    `    ${fromSandbox} ct state established,related accept`,
    `    ${fromSandbox} ip daddr ${sub} ${dns} ${o.resolverPort} ct status dnat accept`,
    `    ${fromSandbox} drop`,
    // The resolver listens on every address; only sandboxes of this daemon may use it.
    `    iifname != "${HOST_IF_PREFIX}*" ${dns} ${o.resolverPort} drop`,
    '  }',
    '  chain dns {',
    '    type nat hook prerouting priority dstnat; policy accept;',
    `    ${fromSandbox} ip daddr ${sub} ${dns} 53 redirect to :${o.resolverPort}`,
    '  }',
    '  chain forward {',
    '    type filter hook forward priority -10; policy accept;',
    `    ip daddr ${sub} ct state established,related accept`,
    `    ip daddr ${sub} drop`,
    `    ip saddr ${sub} jump egress`,
    '  }',
    '  chain egress {',
    `    iifname != "${HOST_IF_PREFIX}*" drop`,
    '    ip daddr @always4 drop',
    '    ip6 daddr @always6 drop',
    `    ${dns} 53 drop`,
    '    ip saddr vmap @sandboxes',
    '    drop',
    '  }',
    '  chain nat {',
    '    type nat hook postrouting priority srcnat; policy accept;',
    ...(o.uplink ? [`    ip saddr ${sub} oifname "${o.uplink}" masquerade`] : []),
    '  }',
  ];
}

/**
 * The whole table, replacing any earlier one atomically. Sandboxes' own chains go with it, so
 * the core re-applies every running sandbox's policy after installing it.
 */
export function firewallRules(o: FirewallOptions): string {
  const table = firewallTable(o.subnetCidr);
  return [
    `table inet ${table}`,
    `delete table inet ${table}`,
    `table inet ${table} {`,
    ...sets(o),
    ...chains(o),
    '}',
    '',
  ].join('\n');
}
