/**
 * The recent output of one stream of a background process: the last `limit` bytes are kept and
 * older ones dropped (with a flag), so a chatty server cannot exhaust the agent's memory while
 * its latest lines stay readable, also after it exits.
 */
import { utf8Boundary } from '../output.js';

export class LogRing {
  private chunks: Buffer[] = [];
  private size = 0;
  private dropped = false;

  constructor(private readonly limit: number) {}

  get truncated(): boolean {
    return this.dropped;
  }

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.size += chunk.length;
    while (this.size > this.limit) {
      const first = this.chunks[0];
      if (!first) break;
      const excess = this.size - this.limit;
      this.dropped = true;
      if (first.length <= excess) {
        this.chunks.shift();
        this.size -= first.length;
      } else {
        this.chunks[0] = first.subarray(excess);
        this.size -= excess;
      }
    }
  }

  /**
   * The kept bytes as UTF-8. A character cut at the front by dropping is left out, and so is an
   * incomplete one at the end: its rest is still in the pipe, and live readers get it whole.
   */
  text(): string {
    const all = Buffer.concat(this.chunks, this.size);
    let start = 0;
    if (this.dropped) {
      // Skip continuation bytes (10xxxxxx) of a character whose lead byte was dropped.
      while (start < all.length && start < 4 && ((all[start] ?? 0) & 0xc0) === 0x80) start++;
    }
    return all.subarray(start, Math.max(start, utf8Boundary(all))).toString('utf8');
  }
}
