import { describe, expect, it } from 'vitest';
import { networkPlan, parseSubnet, slotCount, subnetCidr } from './plan.js';
import { firewallRules } from '../host/netns.js';

describe('network plan', () => {
  const subnet = parseSubnet('10.213.0.0/16');

  it('gives each slot its own /30', () => {
    expect(networkPlan(subnet, 0, 'pdkaaaa')).toEqual({
      netns: 'pdkaaaa',
      hostIf: 'pdkaaaa',
      hostIp: '10.213.0.1',
      sandboxIp: '10.213.0.2',
      prefixLength: 30,
    });
    expect(networkPlan(subnet, 70, 'x').sandboxIp).toBe('10.213.1.26');
    expect(slotCount(subnet)).toBe(16384);
  });

  it('refuses slots outside the subnet and bad subnets', () => {
    expect(() => networkPlan(subnet, 16384, 'x')).toThrow(/outside/);
    expect(() => parseSubnet('10.0.0.0')).toThrow(/invalid subnet/);
    expect(() => parseSubnet('300.0.0.0/16')).toThrow(/invalid subnet/);
    expect(parseSubnet('10.1.2.3/16').base).toBe(parseSubnet('10.1.0.0/16').base);
  });

  it('pins the firewall: sandboxes reach neither host services nor each other', () => {
    expect(subnetCidr(parseSubnet('10.213.7.0/16'))).toBe('10.213.0.0/16');
    expect(firewallRules('10.213.0.0/16')).toBe(`table inet paddock_10_213_0_0_16
delete table inet paddock_10_213_0_0_16
table inet paddock_10_213_0_0_16 {
  chain input {
    type filter hook input priority -10; policy accept;
    iifname "pdk*" ip saddr 10.213.0.0/16 ct state established,related accept
    iifname "pdk*" ip saddr 10.213.0.0/16 drop
  }
  chain forward {
    type filter hook forward priority -10; policy accept;
    ip saddr 10.213.0.0/16 drop
    ip daddr 10.213.0.0/16 drop
  }
}
`);
  });
});
