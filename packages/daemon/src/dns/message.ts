/**
 * DNS wire format, only as much as the sandbox resolver needs (pure, pinned by tests): parse a
 * sandbox's query (one question, strict bounds: it comes from hostile code), build an error
 * answer to it, and read the A records of an upstream answer. Every read is bounds-checked and
 * name compression is followed a bounded number of times.
 */

export const MAX_QUERY_BYTES = 512;
/** Upstream answers (EDNS allows larger than 512 bytes). */
export const MAX_ANSWER_BYTES = 4096;

export const TYPE_A = 1;
export const TYPE_CNAME = 5;
export const CLASS_IN = 1;
export const RCODE_SERVFAIL = 2;
export const RCODE_NXDOMAIN = 3;
export const RCODE_REFUSED = 5;

export interface Query {
  id: number;
  /** Lower-cased, no trailing dot. */
  name: string;
  type: number;
  qclass: number;
  /** Byte offset just past the question (header + question bytes are echoed in answers). */
  questionEnd: number;
}

export interface Answer {
  id: number;
  rcode: number;
  truncated: boolean;
  question: { name: string; type: number } | undefined;
  /** A records found in the answer section. */
  a: { name: string; ip: string; ttl: number }[];
}

class Malformed extends Error {}

function u16(buf: Buffer, at: number): number {
  if (at + 2 > buf.length) throw new Malformed('short read');
  return buf.readUInt16BE(at);
}

/** A (possibly compressed) name at `at`; returns it and the offset after it in place. */
export function readName(buf: Buffer, at: number): { name: string; next: number } {
  const labels: string[] = [];
  let pos = at;
  let next = -1;
  let length = 0;
  for (let hops = 0; ;) {
    if (pos >= buf.length) throw new Malformed('name runs past the message');
    const len = buf[pos] as number;
    if (len === 0) {
      if (next < 0) next = pos + 1;
      break;
    }
    if ((len & 0xc0) === 0xc0) {
      if (++hops > 16) throw new Malformed('compression loop');
      if (next < 0) next = pos + 2;
      pos = u16(buf, pos) & 0x3fff;
      continue;
    }
    if (len & 0xc0) throw new Malformed('unknown label type');
    if (pos + 1 + len > buf.length) throw new Malformed('label runs past the message');
    length += len + 1;
    if (length > 255) throw new Malformed('name longer than 255 bytes');
    labels.push(buf.toString('latin1', pos + 1, pos + 1 + len));
    pos += 1 + len;
  }
  return { name: labels.join('.').toLowerCase(), next };
}

/** A sandbox's query, or undefined when it is not one plain standard query. */
export function parseQuery(buf: Buffer): Query | undefined {
  if (buf.length < 12 || buf.length > MAX_QUERY_BYTES) return undefined;
  try {
    const flags = u16(buf, 2);
    const isResponse = (flags & 0x8000) !== 0;
    const opcode = (flags >> 11) & 0xf;
    const [qd, an, ns, ar] = [4, 6, 8, 10].map((o) => u16(buf, o));
    if (isResponse || opcode !== 0 || qd !== 1 || an !== 0 || ns !== 0 || (ar ?? 0) > 1) {
      return undefined;
    }
    const { name, next } = readName(buf, 12);
    if (!/^[a-z0-9_.-]*$/.test(name)) return undefined;
    return {
      id: u16(buf, 0),
      name,
      type: u16(buf, next),
      qclass: u16(buf, next + 2),
      questionEnd: next + 4,
    };
  } catch (err) {
    if (err instanceof Malformed) return undefined;
    throw err;
  }
}

/** An answer with no records: the query's header and question, with QR, RD, RA and the rcode. */
export function errorReply(query: Buffer, q: Query, rcode: number): Buffer {
  const out = Buffer.from(query.subarray(0, q.questionEnd));
  const rd = out.readUInt16BE(2) & 0x0100;
  out.writeUInt16BE(0x8000 | rd | 0x0080 | rcode, 2);
  out.writeUInt16BE(1, 4);
  out.writeUInt32BE(0, 6);
  out.writeUInt16BE(0, 10);
  return out;
}

function ipv4(buf: Buffer, at: number): string {
  return [0, 1, 2, 3].map((i) => buf[at + i]).join('.');
}

/** An upstream answer's id, rcode, question and A records; undefined when malformed. */
export function parseAnswer(buf: Buffer): Answer | undefined {
  if (buf.length < 12 || buf.length > MAX_ANSWER_BYTES) return undefined;
  try {
    const flags = u16(buf, 2);
    if ((flags & 0x8000) === 0) return undefined;
    const qd = u16(buf, 4);
    const an = u16(buf, 6);
    let pos = 12;
    let question: Answer['question'];
    for (let i = 0; i < qd; i++) {
      const { name, next } = readName(buf, pos);
      if (i === 0) question = { name, type: u16(buf, next) };
      pos = next + 4;
    }
    const a: Answer['a'] = [];
    for (let i = 0; i < an; i++) {
      const { name, next } = readName(buf, pos);
      const [type, qclass] = [u16(buf, next), u16(buf, next + 2)];
      if (next + 10 > buf.length) throw new Malformed('short record');
      const ttl = buf.readUInt32BE(next + 4);
      const rdlength = u16(buf, next + 8);
      const rdata = next + 10;
      if (rdata + rdlength > buf.length) throw new Malformed('record runs past the message');
      if (type === TYPE_A && qclass === CLASS_IN && rdlength === 4) {
        a.push({ name, ip: ipv4(buf, rdata), ttl });
      }
      pos = rdata + rdlength;
    }
    return { id: u16(buf, 0), rcode: flags & 0xf, truncated: (flags & 0x0200) !== 0, question, a };
  } catch (err) {
    if (err instanceof Malformed) return undefined;
    throw err;
  }
}

/** Whether `name` is `domain` or one of its subdomains. */
export function inDomain(name: string, domain: string): boolean {
  return name === domain || name.endsWith(`.${domain}`);
}
