import { describe, expect, it } from 'vitest';
import { networkPlan, parseSubnet, slotCount, subnetCidr } from './plan.js';

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

  it('canonicalises subnets', () => {
    expect(subnetCidr(parseSubnet('10.213.7.0/16'))).toBe('10.213.0.0/16');
  });

  it('refuses slots outside the subnet and bad subnets', () => {
    expect(() => networkPlan(subnet, 16384, 'x')).toThrow(/outside/);
    expect(() => parseSubnet('10.0.0.0')).toThrow(/invalid subnet/);
    expect(() => parseSubnet('300.0.0.0/16')).toThrow(/invalid subnet/);
    expect(parseSubnet('10.1.2.3/16').base).toBe(parseSubnet('10.1.0.0/16').base);
  });
});
