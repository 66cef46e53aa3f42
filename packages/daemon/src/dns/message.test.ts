import { describe, expect, it } from 'vitest';
import {
  errorReply,
  inDomain,
  parseAnswer,
  parseQuery,
  readName,
  RCODE_REFUSED,
} from './message.js';
import { answer, query } from './wire.test.helper.js';

describe('DNS queries from sandboxes', () => {
  it('parses one standard question, lower-cased', () => {
    const q = query(0xbeef, 'Registry.NPMJS.org', 1);
    expect(parseQuery(q)).toEqual({
      id: 0xbeef,
      name: 'registry.npmjs.org',
      type: 1,
      qclass: 1,
      questionEnd: q.length,
    });
  });

  it('accepts one EDNS record, rejects responses, other opcodes, several questions, bad sizes', () => {
    expect(parseQuery(query(1, 'a.example', 1, { ar: 1 }))).toBeDefined();
    expect(parseQuery(query(1, 'a.example', 1, { flags: 0x8100 }))).toBeUndefined();
    expect(parseQuery(query(1, 'a.example', 1, { flags: 0x2900 }))).toBeUndefined();
    const two = query(1, 'a.example');
    two.writeUInt16BE(2, 4);
    expect(parseQuery(two)).toBeUndefined();
    expect(parseQuery(Buffer.alloc(11))).toBeUndefined();
    expect(parseQuery(Buffer.concat([query(1, 'a.example'), Buffer.alloc(600)]))).toBeUndefined();
  });

  it('rejects truncated names, compression loops, over-long names and odd bytes', () => {
    const q = query(1, 'abc.example');
    expect(parseQuery(q.subarray(0, 16))).toBeUndefined();
    const loop = Buffer.concat([q.subarray(0, 12), Buffer.from([0xc0, 12, 0, 1, 0, 1])]);
    expect(parseQuery(loop)).toBeUndefined();
    const long = query(1, Array(5).fill('x'.repeat(60)).join('.'));
    expect(parseQuery(long)).toBeUndefined();
    const odd = query(1, 'a b.example');
    expect(parseQuery(odd)).toBeUndefined();
    expect(() => readName(Buffer.from([0x80]), 0)).toThrow();
  });

  it('builds a REFUSED answer echoing the question, RD kept, no records', () => {
    const q = query(7, 'a.example');
    const r = errorReply(q, parseQuery(q)!, RCODE_REFUSED);
    expect(r.readUInt16BE(0)).toBe(7);
    expect(r.readUInt16BE(2)).toBe(0x8185);
    expect([4, 6, 8, 10].map((o) => r.readUInt16BE(o))).toEqual([1, 0, 0, 0]);
    expect(r.subarray(12)).toEqual(q.subarray(12));
  });
});

describe('DNS answers from upstream', () => {
  it('reads the question and the A records behind a compressed CNAME', () => {
    const q = query(9, 'registry.npmjs.org');
    const a = parseAnswer(answer(q, 'edge.cdn.example', ['203.0.113.5', '203.0.113.6'], 300));
    expect(a).toEqual({
      id: 9,
      rcode: 0,
      truncated: false,
      question: { name: 'registry.npmjs.org', type: 1 },
      a: [
        { name: 'edge.cdn.example', ip: '203.0.113.5', ttl: 300 },
        { name: 'edge.cdn.example', ip: '203.0.113.6', ttl: 300 },
      ],
    });
  });

  it('rejects queries, records running past the end and pointer loops', () => {
    const q = query(9, 'a.example');
    expect(parseAnswer(q)).toBeUndefined();
    const full = answer(q, 'b.example', ['192.0.2.1'], 60);
    expect(parseAnswer(full.subarray(0, full.length - 2))).toBeUndefined();
    const loop = Buffer.from(full);
    loop.writeUInt16BE(0xc000 | q.length, q.length);
    expect(parseAnswer(loop)).toBeUndefined();
  });

  it('matches a domain and its subdomains only', () => {
    expect(inDomain('registry.npmjs.org', 'npmjs.org')).toBe(true);
    expect(inDomain('npmjs.org', 'npmjs.org')).toBe(true);
    expect(inDomain('evilnpmjs.org', 'npmjs.org')).toBe(false);
  });
});
