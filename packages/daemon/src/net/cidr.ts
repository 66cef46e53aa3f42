/** CIDR arithmetic for rule sets (pure): nft interval sets reject overlapping elements. */
import { parseIpv4, parseIpv6 } from '@paddock/protocol';

interface Range {
  text: string;
  v6: boolean;
  start: bigint;
  end: bigint;
}

function rangeOf(cidr: string): Range | undefined {
  const [addr = '', len] = cidr.split('/');
  const v6 = addr.includes(':');
  const bits = v6 ? 128 : 32;
  const prefix = len === undefined ? bits : Number(len);
  let value: bigint;
  if (v6) {
    const groups = parseIpv6(addr);
    if (!groups) return undefined;
    value = groups.reduce((acc, g) => (acc << 16n) | BigInt(g), 0n);
  } else {
    const n = parseIpv4(addr);
    if (n === undefined) return undefined;
    value = BigInt(n);
  }
  const size = 1n << BigInt(bits - prefix);
  const start = value - (value % size);
  return { text: cidr, v6, start, end: start + size - 1n };
}

/** Drops entries contained in another (and duplicates); keeps the input order otherwise. */
export function mergeCidrs(list: readonly string[]): string[] {
  const ranges = list.map(rangeOf).filter((r): r is Range => r !== undefined);
  const kept: Range[] = [];
  for (const [i, r] of ranges.entries()) {
    const covered = ranges.some(
      (o, j) =>
        j !== i &&
        o.v6 === r.v6 &&
        o.start <= r.start &&
        o.end >= r.end &&
        // Of two equal ranges keep the first.
        (o.start !== r.start || o.end !== r.end || j < i),
    );
    if (!covered) kept.push(r);
  }
  return kept.map((r) => r.text);
}

/** Whether an IPv4 address lies in the CIDR. */
export function ipv4In(ip: string, cidr: string): boolean {
  const a = rangeOf(ip);
  const r = rangeOf(cidr);
  return !!a && !!r && !a.v6 && !r.v6 && a.start >= r.start && a.start <= r.end;
}
