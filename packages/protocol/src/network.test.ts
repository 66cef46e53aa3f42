import { describe, expect, it } from 'vitest';
import { normalizePolicy, parseNetworkEntry, networkPolicySchema } from './network.js';
import { parse } from './schema.js';

describe('network policy entries', () => {
  it('canonicalises CIDRs and addresses, lower-cases domains', () => {
    expect(parseNetworkEntry('10.1.2.3/8')).toEqual({ kind: 'cidr4', cidr: '10.0.0.0/8' });
    expect(parseNetworkEntry('203.0.113.7')).toEqual({ kind: 'cidr4', cidr: '203.0.113.7/32' });
    expect(parseNetworkEntry('2001:DB8::1/32')).toEqual({
      kind: 'cidr6',
      cidr: '2001:db8:0:0:0:0:0:0/32',
    });
    expect(parseNetworkEntry('::1')).toEqual({ kind: 'cidr6', cidr: '0:0:0:0:0:0:0:1/128' });
    expect(parseNetworkEntry('Registry.NPMJS.org.')).toEqual({
      kind: 'domain',
      domain: 'registry.npmjs.org',
    });
  });

  it.each([
    '',
    '10.0.0.256',
    '10.0.0.0/33',
    '10.0.0/8',
    '1.2.3.4/8/9',
    '2001:db8::1::2',
    '2001:db8::/129',
    'localhost',
    'bad_label.example',
    '-a.example',
    'a..example',
    'example.123',
    'x'.repeat(64) + '.example',
    '*.example.com',
    'http://example.com',
  ])('rejects %j', (text) => {
    expect(parseNetworkEntry(text)).toBeUndefined();
  });

  it('validates at the boundary with the field path, bounded counts, and normalises', () => {
    const bad = parse(networkPolicySchema, { allow: ['ok.example', 'nope'] }, 'body');
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.issue.path).toBe('body.allow[1]');
    const many = parse(networkPolicySchema, { deny: Array(257).fill('a.example') });
    expect(many.ok).toBe(false);
    const good = parse(networkPolicySchema, { internet: true, allow: ['A.example', 'a.example'] });
    expect(good.ok && normalizePolicy(good.value)).toEqual({
      internet: true,
      allow: ['a.example'],
      deny: [],
    });
    expect(normalizePolicy(undefined)).toEqual({ internet: false, allow: [], deny: [] });
  });
});
