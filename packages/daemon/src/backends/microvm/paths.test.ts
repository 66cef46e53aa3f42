import { describe, expect, it } from 'vitest';
import { networkPlan, parseSubnet } from '../../net/plan.js';
import { vmMac, vmUid } from './paths.js';

describe('microvm ids', () => {
  const subnet = parseSubnet('10.220.0.0/16');

  it('gives each network slot its own non-root uid, clear of the jail range', () => {
    const uids = [0, 1, 2, 16383].map((slot) => vmUid(networkPlan(subnet, slot, 'pdkx')));
    expect(new Set(uids).size).toBe(4);
    for (const uid of uids) expect(uid).toBeGreaterThanOrEqual(2_000_000);
    expect(vmUid(networkPlan(subnet, 1, 'pdkx'))).toBe(5_604_481);
  });

  it('derives a locally administered MAC from the sandbox address', () => {
    expect(vmMac(networkPlan(subnet, 1, 'pdkx'))).toBe('02:50:0a:dc:00:06');
  });
});
