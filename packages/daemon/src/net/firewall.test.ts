import { describe, expect, it } from 'vitest';
import { firewallRules, firewallTable } from './firewall.js';
import { applyPolicyScript, pinScript, policyCidrs, removePolicyScript } from './egress-rules.js';
import { mergeCidrs } from './cidr.js';

const base = {
  subnetCidr: '10.213.0.0/16',
  resolverPort: 5353,
  uplink: 'eth0',
  hostNets4: ['127.0.0.1/32', '127.0.0.0/8', '192.0.2.2/32', '192.0.2.0/24'],
  hostNets6: ['fd00:0:0:0:0:0:0:2/128', 'fd00:0:0:0:0:0:0:0/64'],
};

describe('daemon firewall table', () => {
  it('pins the table: DNS redirect, always-denied sets, per-sandbox dispatch, NAT out of the uplink', () => {
    expect(firewallTable('10.213.0.0/16')).toBe('paddock_10_213_0_0_16');
    expect(firewallRules(base)).toBe(`table inet paddock_10_213_0_0_16
delete table inet paddock_10_213_0_0_16
table inet paddock_10_213_0_0_16 {
  set always4 { type ipv4_addr; flags interval; elements = { 10.213.0.0/16, 0.0.0.0/8, 127.0.0.0/8, 169.254.0.0/16, 224.0.0.0/3, 192.0.2.0/24 }; }
  set always6 { type ipv6_addr; flags interval; elements = { ::/127, ::ffff:0:0/96, fe80::/10, ff00::/8, fd00:0:0:0:0:0:0:0/64 }; }
  set private4 { type ipv4_addr; flags interval; elements = { 10.0.0.0/8, 100.64.0.0/10, 172.16.0.0/12, 192.168.0.0/16 }; }
  set private6 { type ipv6_addr; flags interval; elements = { fc00::/7 }; }
  map sandboxes { type ipv4_addr : verdict; }
  chain input {
    type filter hook input priority -10; policy accept;
    iifname "pdk*" ip saddr 10.213.0.0/16 ct state established,related accept
    iifname "pdk*" ip saddr 10.213.0.0/16 ip daddr 10.213.0.0/16 meta l4proto { tcp, udp } th dport 5353 ct status dnat accept
    iifname "pdk*" ip saddr 10.213.0.0/16 drop
    iifname != "pdk*" meta l4proto { tcp, udp } th dport 5353 drop
  }
  chain dns {
    type nat hook prerouting priority dstnat; policy accept;
    iifname "pdk*" ip saddr 10.213.0.0/16 ip daddr 10.213.0.0/16 meta l4proto { tcp, udp } th dport 53 redirect to :5353
  }
  chain forward {
    type filter hook forward priority -10; policy accept;
    ip daddr 10.213.0.0/16 ct state established,related accept
    ip daddr 10.213.0.0/16 drop
    ip saddr 10.213.0.0/16 jump egress
  }
  chain egress {
    iifname != "pdk*" drop
    ip daddr @always4 drop
    ip6 daddr @always6 drop
    meta l4proto { tcp, udp } th dport 53 drop
    ip saddr vmap @sandboxes
    drop
  }
  chain nat {
    type nat hook postrouting priority srcnat; policy accept;
    ip saddr 10.213.0.0/16 oifname "eth0" masquerade
  }
}
`);
  });

  it('has no masquerade without a default route; the egress chain is entered from this subnet only', () => {
    const text = firewallRules({ ...base, uplink: undefined });
    expect(text).not.toContain('masquerade');
    expect(text.split('\n').filter((l) => l.includes('jump egress'))).toEqual([
      '    ip saddr 10.213.0.0/16 jump egress',
    ]);
  });
});

describe('sandbox egress rules', () => {
  const policy = {
    internet: false,
    allow: ['registry.npmjs.org', '172.20.0.0/16', '172.20.1.0/24', '2001:db8::/32'],
    deny: ['203.0.113.7', 'evil.example'],
  };

  it('splits and merges entries by kind', () => {
    expect(policyCidrs(policy)).toEqual({
      allow4: ['172.20.0.0/16'],
      allow6: ['2001:db8:0:0:0:0:0:0/32'],
      deny4: ['203.0.113.7/32'],
      deny6: [],
      allowDomains: ['registry.npmjs.org'],
      denyDomains: ['evil.example'],
    });
  });

  it('pins the chain: deny, allowed CIDRs, private ranges, DNS pins, then the internet verdict', () => {
    const text = applyPolicyScript('T', '10.1.0.2', policy);
    const rules = text
      .split('\n')
      .filter((l) => l.startsWith('add rule'))
      .map((l) => l.replace('add rule inet T sb_10_1_0_2 ', ''));
    expect(rules).toEqual([
      'ip daddr @sb_10_1_0_2_d4 drop',
      'ip6 daddr @sb_10_1_0_2_d6 drop',
      'ip daddr @sb_10_1_0_2_a4 accept',
      'ip6 daddr @sb_10_1_0_2_a6 accept',
      'ip daddr @private4 drop',
      'ip6 daddr @private6 drop',
      'ip daddr @sb_10_1_0_2_n4 accept',
      'drop',
    ]);
    expect(text.split('\n').slice(0, 6)).toEqual([
      'add chain inet T sb_10_1_0_2',
      'flush chain inet T sb_10_1_0_2',
      'add set inet T sb_10_1_0_2_a4 { type ipv4_addr; flags interval; }',
      'flush set inet T sb_10_1_0_2_a4',
      'add element inet T sb_10_1_0_2_a4 { 172.20.0.0/16 }',
      'add set inet T sb_10_1_0_2_a6 { type ipv6_addr; flags interval; }',
    ]);
    expect(text).toContain('add set inet T sb_10_1_0_2_n4 { type ipv4_addr; flags timeout; }');
    expect(text.trimEnd().split('\n').at(-1)).toBe(
      'add element inet T sandboxes { 10.1.0.2 : jump sb_10_1_0_2 }',
    );
    const open = applyPolicyScript('T', '10.1.0.2', { internet: true, allow: [], deny: [] });
    expect(open).toContain('add rule inet T sb_10_1_0_2 accept\nadd rule inet T sb_10_1_0_2 drop');
  });

  it('removes idempotently: creates each object before deleting it', () => {
    const lines = removePolicyScript('T', '10.1.0.2').trim().split('\n');
    expect(lines.slice(0, 5)).toEqual([
      'add chain inet T sb_10_1_0_2',
      'add element inet T sandboxes { 10.1.0.2 : jump sb_10_1_0_2 }',
      'delete element inet T sandboxes { 10.1.0.2 }',
      'flush chain inet T sb_10_1_0_2',
      'delete chain inet T sb_10_1_0_2',
    ]);
    expect(lines.filter((l) => l.startsWith('delete set'))).toHaveLength(5);
  });

  it('pins resolved addresses with a TTL clamped to [60 s, 1 h], refreshing existing ones', () => {
    expect(
      pinScript('T', '10.1.0.2', [
        { ip: '203.0.113.9', ttl: 5 },
        { ip: '1.2.3.4', ttl: 9e9 },
      ]),
    ).toBe(`add element inet T sb_10_1_0_2_n4 { 203.0.113.9 timeout 60s }
delete element inet T sb_10_1_0_2_n4 { 203.0.113.9 }
add element inet T sb_10_1_0_2_n4 { 203.0.113.9 timeout 60s }
add element inet T sb_10_1_0_2_n4 { 1.2.3.4 timeout 3600s }
delete element inet T sb_10_1_0_2_n4 { 1.2.3.4 }
add element inet T sb_10_1_0_2_n4 { 1.2.3.4 timeout 3600s }
`);
  });

  it('merges contained and duplicate CIDRs (nft interval sets refuse overlaps)', () => {
    expect(mergeCidrs(['10.0.0.0/8', '10.1.0.0/16', '10.0.0.0/8', '192.0.2.2/32'])).toEqual([
      '10.0.0.0/8',
      '192.0.2.2/32',
    ]);
    expect(mergeCidrs(['fd00::/64', 'fd00::2/128', 'fe80::/10'])).toEqual([
      'fd00::/64',
      'fe80::/10',
    ]);
  });
});
