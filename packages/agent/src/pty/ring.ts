/** The last `limit` bytes of a PTY's output, replayed to a client that (re)attaches. */
export class ByteRing {
  #chunks: Buffer[] = [];
  #size = 0;

  constructor(private readonly limit: number) {}

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.#chunks.push(chunk);
    this.#size += chunk.length;
    while (this.#size > this.limit) {
      const first = this.#chunks[0] as Buffer;
      const excess = this.#size - this.limit;
      if (first.length <= excess) {
        this.#chunks.shift();
        this.#size -= first.length;
      } else {
        this.#chunks[0] = first.subarray(excess);
        this.#size -= excess;
      }
    }
  }

  bytes(): Buffer {
    return Buffer.concat(this.#chunks, this.#size);
  }
}
