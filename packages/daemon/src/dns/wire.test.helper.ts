/** Builds DNS messages for tests (the daemon itself never builds queries). */
export function encodeName(name: string): Buffer {
  const parts = name.split('.').filter((l) => l !== '');
  return Buffer.concat([
    ...parts.map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l)])),
    Buffer.from([0]),
  ]);
}

export function query(
  id: number,
  name: string,
  type = 1,
  extra: { flags?: number; ar?: number } = {},
): Buffer {
  const h = Buffer.alloc(12);
  h.writeUInt16BE(id, 0);
  h.writeUInt16BE(extra.flags ?? 0x0100, 2);
  h.writeUInt16BE(1, 4);
  h.writeUInt16BE(extra.ar ?? 0, 10);
  const tail = Buffer.alloc(4);
  tail.writeUInt16BE(type, 0);
  tail.writeUInt16BE(1, 2);
  return Buffer.concat([h, encodeName(name), tail]);
}

/** An answer to `q`: a CNAME to `target` (compressed) then A records for it. */
export function answer(q: Buffer, target: string, ips: string[], ttl: number): Buffer {
  const out = Buffer.from(q);
  out.writeUInt16BE(0x8180, 2);
  out.writeUInt16BE(1 + ips.length, 6);
  const rr = (name: Buffer, type: number, rdata: Buffer) => {
    const fixed = Buffer.alloc(10);
    fixed.writeUInt16BE(type, 0);
    fixed.writeUInt16BE(1, 2);
    fixed.writeUInt32BE(ttl, 4);
    fixed.writeUInt16BE(rdata.length, 8);
    return Buffer.concat([name, fixed, rdata]);
  };
  const toQuestion = Buffer.from([0xc0, 12]);
  const cname = rr(toQuestion, 5, encodeName(target));
  // The CNAME's rdata starts at: header+question, 2 (pointer) + 10 (fixed).
  const targetAt = q.length + 12;
  const ptr = Buffer.from([0xc0 | (targetAt >> 8), targetAt & 0xff]);
  const as = ips.map((ip) => rr(ptr, 1, Buffer.from(ip.split('.').map(Number))));
  return Buffer.concat([out, cname, ...as]);
}
