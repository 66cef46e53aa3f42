/**
 * The daemon's DNS resolver for sandboxes (UDP). The firewall redirects port 53 of a sandbox's
 * gateway here; the sandbox is known by its source address (strict reverse-path filtering on its
 * veth rules out spoofing). A name its policy does not allow is REFUSED without leaving the host;
 * others go to the host's upstream resolver, and the A records of a name allowed by a domain entry
 * are pinned into that sandbox's firewall set before the answer is sent, so the connection that
 * follows is let through. Bounded: query size, queries per second per sandbox, queries in flight,
 * cache entries.
 */
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { randomInt } from 'node:crypto';
import { RateLimiter, type RateLimit } from '../auth/rate-limit.js';
import type { Logger } from '../log.js';
import { listenTcp, type TcpServer } from './tcp.js';
import {
  RCODE_REFUSED,
  RCODE_SERVFAIL,
  errorReply,
  inDomain,
  parseAnswer,
  parseQuery,
  MAX_ANSWER_BYTES,
  type Answer,
  type Query,
} from './message.js';

/** What the resolver needs of a sandbox's policy. */
export interface DnsPolicy {
  internet: boolean;
  allowDomains: readonly string[];
  denyDomains: readonly string[];
}

export type Decision = 'refuse' | 'forward' | 'pin';

/** Deny wins, then allow (pinned), then internet (forwarded, no pin needed). */
export function decide(policy: DnsPolicy, name: string): Decision {
  if (policy.denyDomains.some((d) => inDomain(name, d))) return 'refuse';
  if (policy.allowDomains.some((d) => inDomain(name, d))) return 'pin';
  return policy.internet ? 'forward' : 'refuse';
}

export interface ResolverDeps {
  /** The policy of the sandbox at this address; undefined: not a sandbox of ours (ignored). */
  policyOf(ip: string): DnsPolicy | undefined;
  pin(sandboxIp: string, pins: { ip: string; ttl: number }[]): Promise<void>;
  upstream: string;
  upstreamPort?: number;
  log: Logger;
  rate?: RateLimit;
  timeoutMs?: number;
}

const MAX_IN_FLIGHT = 128;
/** Addresses pinned from one answer. */
const MAX_PINS = 32;
const MAX_CACHE = 1024;
const MAX_CACHE_SECONDS = 300;

interface Cached {
  reply: Buffer;
  answer: Answer;
  expires: number;
}

export class DnsResolver {
  private socket: Socket | undefined;
  private tcp: TcpServer | undefined;
  private inFlight = 0;
  private readonly cache = new Map<string, Cached>();
  private readonly limiter: RateLimiter;

  constructor(private readonly deps: ResolverDeps) {
    this.limiter = new RateLimiter(deps.rate ?? { perSecond: 50, burst: 100 });
  }

  /**
   * Listen on every address (sandboxes reach it through their own gateway), UDP and TCP on one
   * port number; returns it.
   */
  async start(): Promise<number> {
    for (let attempt = 0; ; attempt++) {
      const port = await this.startUdp();
      try {
        this.tcp = await listenTcp(port, (msg, source) => this.answer(msg, source));
        return port;
      } catch (err) {
        this.close();
        if (attempt >= 10) throw err;
      }
    }
  }

  private async startUdp(): Promise<number> {
    const socket = createSocket('udp4');
    this.socket = socket;
    socket.on('message', (msg, rinfo) => {
      this.handle(msg, rinfo).catch((err: unknown) =>
        this.deps.log.warn('dns query failed', { error: String(err) }),
      );
    });
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(0, '0.0.0.0', () => resolve());
    });
    socket.on('error', (err) => this.deps.log.warn('dns socket error', { error: String(err) }));
    return socket.address().port;
  }

  close(): void {
    this.socket?.close();
    this.socket = undefined;
    this.tcp?.close();
    this.tcp = undefined;
  }

  private async handle(msg: Buffer, from: RemoteInfo): Promise<void> {
    const reply = await this.answer(msg, from.address);
    if (reply) this.socket?.send(reply, from.port, from.address);
  }

  /** The reply to one query from `source`; undefined to stay silent. */
  async answer(msg: Buffer, source: string): Promise<Buffer | undefined> {
    const policy = this.deps.policyOf(source);
    if (!policy || this.limiter.take(source) > 0) return undefined;
    const q = parseQuery(msg);
    if (!q) return undefined;
    const decision = decide(policy, q.name);
    if (decision === 'refuse') return errorReply(msg, q, RCODE_REFUSED);
    const found = await this.lookup(msg, q);
    if (!found) return errorReply(msg, q, RCODE_SERVFAIL);
    if (decision === 'pin' && found.answer.a.length > 0) {
      const pins = found.answer.a.slice(0, MAX_PINS).map(({ ip, ttl }) => ({ ip, ttl }));
      await this.deps.pin(source, pins);
    }
    const reply = Buffer.from(found.reply);
    reply.writeUInt16BE(q.id, 0);
    return reply;
  }

  private async lookup(msg: Buffer, q: Query): Promise<Cached | undefined> {
    const key = `${q.type}/${q.qclass}/${q.name}`;
    const hit = this.cache.get(key);
    if (hit && hit.expires > Date.now()) return hit;
    this.cache.delete(key);
    if (this.inFlight >= MAX_IN_FLIGHT) return undefined;
    this.inFlight++;
    try {
      const got = await this.ask(msg, q);
      if (got && got.answer.rcode === 0 && !got.answer.truncated) this.remember(key, got);
      return got;
    } finally {
      this.inFlight--;
    }
  }

  private remember(key: string, entry: Cached): void {
    if (this.cache.size >= MAX_CACHE) {
      const oldest = this.cache.keys().next().value;
      if (oldest !== undefined) this.cache.delete(oldest);
    }
    this.cache.set(key, entry);
  }

  /** One query to the upstream from a fresh socket (random port) with a fresh random id. */
  private ask(msg: Buffer, q: Query): Promise<Cached | undefined> {
    const id = randomInt(0, 0x10000);
    const out = Buffer.from(msg);
    out.writeUInt16BE(id, 0);
    const sock = createSocket('udp4');
    const port = this.deps.upstreamPort ?? 53;
    return new Promise((resolve) => {
      const done = (v: Cached | undefined) => {
        clearTimeout(timer);
        sock.close();
        resolve(v);
      };
      const timer = setTimeout(() => done(undefined), this.deps.timeoutMs ?? 2500);
      sock.on('error', () => done(undefined));
      sock.on('message', (reply, rinfo) => {
        if (rinfo.address !== this.deps.upstream || reply.length > MAX_ANSWER_BYTES) return;
        const answer = parseAnswer(reply);
        if (!answer || answer.id !== id || answer.question?.name !== q.name) return;
        const ttls = answer.a.map((r) => r.ttl);
        const ttl = Math.min(MAX_CACHE_SECONDS, ...(ttls.length > 0 ? ttls : [30]));
        done({ reply, answer, expires: Date.now() + ttl * 1000 });
      });
      sock.send(out, port, this.deps.upstream);
    });
  }
}
