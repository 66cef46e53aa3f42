/**
 * Reading a runner's two channels: NDJSON frames on its private fd, and its stdout/stderr with
 * the run's end marker cut out. Both are pure over their inputs, so unit tests pin them.
 */
import {
  executionErrorSchema,
  parse,
  richResultSchema,
  type ExecutionError,
  type RichResult,
} from '@paddock/protocol';

/** Longest frame line a runner may send; a longer one is dropped (and said so on stderr). */
export const MAX_FRAME_BYTES = 8 * 1024 * 1024;

/** A whole `result` event must fit one stream line of the daemon (2 MiB) with room to spare. */
const MAX_RESULT_CHARS = 1900 * 1024;

export type Frame =
  | { type: 'ready' }
  | { type: 'done' }
  | { type: 'result'; result: RichResult }
  | { type: 'error'; error: ExecutionError }
  | { type: 'invalid'; why: string };

/** Splits a byte stream into lines, refusing (dropping) any line over `max` bytes. */
export class LineSplitter {
  private buf = '';
  private skipping = false;

  constructor(
    private readonly max: number,
    private readonly onLine: (line: string | undefined) => void,
  ) {}

  push(text: string): void {
    this.buf += text;
    let nl: number;
    while ((nl = this.buf.indexOf('\n')) !== -1) {
      const line = this.buf.slice(0, nl);
      this.buf = this.buf.slice(nl + 1);
      this.onLine(this.skipping || line.length > this.max ? undefined : line);
      this.skipping = false;
    }
    if (this.buf.length > this.max) {
      this.buf = '';
      this.skipping = true;
    }
  }
}

/** Parses one frame line; anything unexpected becomes `invalid` rather than an exception. */
export function parseFrame(line: string | undefined): Frame {
  if (line === undefined) return { type: 'invalid', why: 'a frame over the size limit' };
  let json: { type?: unknown; result?: unknown; error?: unknown };
  try {
    json = JSON.parse(line) as typeof json;
  } catch {
    return { type: 'invalid', why: 'a frame that is not JSON' };
  }
  if (json.type === 'ready' || json.type === 'done') return { type: json.type };
  if (json.type === 'result') {
    const r = parse(richResultSchema, json.result, 'result');
    return r.ok ? { type: 'result', result: fitResult(r.value) } : invalid(r.issue.message);
  }
  if (json.type === 'error') {
    const r = parse(executionErrorSchema, json.error, 'error');
    return r.ok ? { type: 'error', error: r.value } : invalid(r.issue.message);
  }
  return invalid('an unknown frame type');
}

const invalid = (why: string): Frame => ({ type: 'invalid', why: `a malformed frame: ${why}` });

/** Drops the largest forms of a result until the whole fits one stream line. */
export function fitResult(result: RichResult): RichResult {
  const out: Record<string, unknown> = { ...result };
  const dropped = [...(result.truncated ?? [])];
  const size = () => JSON.stringify(out).length;
  while (size() > MAX_RESULT_CHARS) {
    const keys = Object.keys(out).filter((k) => k !== 'truncated');
    const largest = keys.sort((a, b) => sizeOf(out[b]) - sizeOf(out[a]))[0];
    if (largest === undefined) break;
    delete out[largest];
    dropped.push(largest);
  }
  if (dropped.length > 0) out['truncated'] = dropped.slice(0, 16);
  return out;
}

const sizeOf = (v: unknown): number => JSON.stringify(v)?.length ?? 0;

/** The end marker a runner writes to stdout and stderr after a run (the nonce is per run). */
export function endMarker(nonce: string): string {
  return `\u0000PDK-END-${nonce}\u0000`;
}

/**
 * One output stream of a runner during a run: text is passed on until the run's marker, which
 * is cut out; a tail that could be the start of the marker is held back until it is decided.
 */
export class MarkerCutter {
  private held = '';
  private marker: string | undefined;
  seen = false;

  constructor(private readonly onText: (text: string) => void) {}

  /** Start watching for a new run's marker. */
  expect(marker: string): void {
    this.marker = marker;
    this.seen = false;
    this.held = '';
  }

  push(text: string): void {
    const marker = this.marker;
    if (marker === undefined || this.seen) return; // between runs: nobody is listening
    const all = this.held + text;
    const at = all.indexOf(marker);
    if (at !== -1) {
      this.emit(all.slice(0, at));
      this.held = '';
      this.seen = true;
      return;
    }
    const keep = heldTail(all, marker);
    this.emit(all.slice(0, all.length - keep));
    this.held = all.slice(all.length - keep);
  }

  private emit(text: string): void {
    if (text.length > 0) this.onText(text);
  }
}

/** Length of the longest suffix of `text` that is a proper prefix of `marker`. */
function heldTail(text: string, marker: string): number {
  for (let n = Math.min(marker.length - 1, text.length); n > 0; n--) {
    if (marker.startsWith(text.slice(text.length - n))) return n;
  }
  return 0;
}
