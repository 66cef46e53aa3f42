/**
 * Captured command output: the first `limit` bytes of a stream are kept and the rest dropped, so
 * a command that prints forever cannot exhaust the agent's memory.
 */
export class CappedOutput {
  private readonly chunks: Buffer[] = [];
  private size = 0;
  private dropped = false;
  private readonly limit: number;

  constructor(limit: number) {
    this.limit = limit;
  }

  get truncated(): boolean {
    return this.dropped;
  }

  push(chunk: Buffer): void {
    const room = this.limit - this.size;
    if (chunk.length > room) this.dropped = true;
    if (room <= 0) return;
    const kept = chunk.length > room ? chunk.subarray(0, room) : chunk;
    this.chunks.push(kept);
    this.size += kept.length;
  }

  /** The kept bytes as UTF-8; a character cut in half by the limit is left out, not mangled. */
  text(): string {
    const all = Buffer.concat(this.chunks, this.size);
    return all.subarray(0, this.dropped ? utf8Boundary(all) : all.length).toString('utf8');
  }
}

/** The length of `buf` without a trailing, incomplete UTF-8 sequence. */
export function utf8Boundary(buf: Buffer): number {
  for (let back = 1; back <= Math.min(4, buf.length); back++) {
    const byte = buf[buf.length - back] ?? 0;
    if ((byte & 0xc0) === 0x80) continue; // continuation byte: keep looking for the lead
    const need = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
    return need > back ? buf.length - back : buf.length;
  }
  return buf.length;
}

/** Byte length of a string once JSON-encoded (escapes can make it 6x its UTF-8 size). */
function jsonBytes(s: string): number {
  return Buffer.byteLength(JSON.stringify(s));
}

/** Cuts a string to about `chars` characters without splitting a surrogate pair. */
function cut(s: string, chars: number): string {
  const code = s.charCodeAt(chars - 1);
  return s.slice(0, code >= 0xd800 && code <= 0xdbff ? chars - 1 : chars);
}

/**
 * Shrinks stdout and stderr until both fit `budget` bytes of JSON together: control bytes encode
 * as \u00XX, so 16 MiB of binary output could otherwise make a reply the daemon refuses.
 */
export function fitStreams(
  stdout: string,
  stderr: string,
  budget: number,
): { stdout: string; stderr: string; cut: boolean } {
  let out = stdout;
  let err = stderr;
  let outBytes = jsonBytes(out);
  let errBytes = jsonBytes(err);
  let shrunk = false;
  while (outBytes + errBytes > budget && (out.length > 0 || err.length > 0)) {
    shrunk = true;
    if (outBytes >= errBytes) {
      out = cut(out, Math.floor(out.length / 2));
      outBytes = jsonBytes(out);
    } else {
      err = cut(err, Math.floor(err.length / 2));
      errBytes = jsonBytes(err);
    }
  }
  return { stdout: out, stderr: err, cut: shrunk };
}
