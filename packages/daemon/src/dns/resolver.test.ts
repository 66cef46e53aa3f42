import { createSocket, type Socket } from 'node:dgram';
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../log.js';
import { parseAnswer } from './message.js';
import { DnsResolver, decide, type DnsPolicy } from './resolver.js';
import { answer, query } from './wire.test.helper.js';

const open: { close(): void }[] = [];
afterEach(() => open.splice(0).forEach((s) => s.close()));

/** A fake upstream on loopback answering every name with one A record; counts queries. */
async function upstream(): Promise<{ port: number; seen: string[] }> {
  const sock = createSocket('udp4');
  open.push(sock);
  const seen: string[] = [];
  sock.on('message', (msg, from) => {
    seen.push(msg.toString('latin1'));
    sock.send(answer(msg, 'edge.example', ['203.0.113.5'], 120), from.port, from.address);
  });
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', r));
  return { port: sock.address().port, seen };
}

/** The reply, or undefined after `waitMs` (generous: a loaded machine answers late). */
async function ask(port: number, msg: Buffer, waitMs = 5000): Promise<Buffer | undefined> {
  const sock: Socket = createSocket('udp4');
  open.push(sock);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(undefined), waitMs);
    sock.on('message', (m) => {
      clearTimeout(timer);
      resolve(m);
    });
    sock.send(msg, port, '127.0.0.1');
  });
}

async function setup(policy: DnsPolicy | undefined, rate?: { perSecond: number; burst: number }) {
  const up = await upstream();
  const pins: { sandbox: string; ip: string; ttl: number }[] = [];
  const resolver = new DnsResolver({
    policyOf: (ip) => (ip === '127.0.0.1' ? policy : undefined),
    pin: (sandbox, list) => {
      pins.push(...list.map((p) => ({ sandbox, ...p })));
      return Promise.resolve();
    },
    upstream: '127.0.0.1',
    upstreamPort: up.port,
    log: silentLogger,
    ...(rate ? { rate } : {}),
  });
  open.push(resolver);
  return { port: await resolver.start(), pins, up };
}

describe('sandbox DNS resolver', () => {
  it('decides: deny wins, then allow (pinned), then internet', () => {
    const p = { internet: true, allowDomains: ['npmjs.org'], denyDomains: ['bad.npmjs.org'] };
    expect(decide(p, 'registry.npmjs.org')).toBe('pin');
    expect(decide(p, 'x.bad.npmjs.org')).toBe('refuse');
    expect(decide(p, 'deb.debian.org')).toBe('forward');
    expect(decide({ ...p, internet: false }, 'deb.debian.org')).toBe('refuse');
  });

  it('forwards an allowed name, pins its A records before answering, keeps the client id', async () => {
    const policy = { internet: false, allowDomains: ['npmjs.org'], denyDomains: [] };
    const { port, pins } = await setup(policy);
    const reply = parseAnswer((await ask(port, query(0x1234, 'registry.npmjs.org')))!);
    expect(reply).toMatchObject({ id: 0x1234, rcode: 0, a: [{ ip: '203.0.113.5', ttl: 120 }] });
    expect(pins).toEqual([{ sandbox: '127.0.0.1', ip: '203.0.113.5', ttl: 120 }]);
  });

  it('refuses names outside the policy without asking upstream; serves repeats from its cache', async () => {
    const policy = { internet: false, allowDomains: ['npmjs.org'], denyDomains: [] };
    const { port, up } = await setup(policy);
    const refused = parseAnswer((await ask(port, query(5, 'deb.debian.org')))!);
    expect(refused).toMatchObject({ id: 5, rcode: 5, a: [] });
    await ask(port, query(6, 'registry.npmjs.org'));
    const again = parseAnswer((await ask(port, query(7, 'registry.npmjs.org')))!);
    expect(again).toMatchObject({ id: 7, rcode: 0 });
    expect(up.seen).toHaveLength(1);
  });

  it('ignores unknown sources, malformed queries, and sandboxes over their rate', async () => {
    const policy = { internet: true, allowDomains: [], denyDomains: [] };
    const unknown = await setup(undefined);
    expect(await ask(unknown.port, query(1, 'a.example'), 1000)).toBeUndefined();
    const limited = await setup(policy, { perSecond: 0.001, burst: 2 });
    expect(await ask(limited.port, Buffer.from('junk'), 1000)).toBeUndefined();
    expect(await ask(limited.port, query(2, 'a.example'))).toBeDefined();
    expect(await ask(limited.port, query(3, 'b.example'), 1000)).toBeUndefined();
  });

  it('answers over TCP too (length-prefixed), and drops oversized TCP queries', async () => {
    const policy = { internet: false, allowDomains: ['npmjs.org'], denyDomains: [] };
    const { port } = await setup(policy);
    const overTcp = (payload: Buffer) =>
      new Promise<Buffer>((resolve) => {
        const sock = connect(port, '127.0.0.1');
        const chunks: Buffer[] = [];
        sock.on('data', (d: Buffer) => chunks.push(d));
        sock.on('close', () => resolve(Buffer.concat(chunks)));
        sock.on('error', () => undefined);
        sock.write(payload);
      });
    const q = query(0x4242, 'registry.npmjs.org');
    const head = Buffer.alloc(2);
    head.writeUInt16BE(q.length);
    const framed = await overTcp(Buffer.concat([head, q]));
    expect(framed.readUInt16BE(0)).toBe(framed.length - 2);
    expect(parseAnswer(framed.subarray(2))).toMatchObject({ id: 0x4242, rcode: 0 });
    const huge = Buffer.alloc(2);
    huge.writeUInt16BE(4000);
    expect(await overTcp(Buffer.concat([huge, Buffer.alloc(100)]))).toHaveLength(0);
  });
});
