/** Options of `getSandbox` and of the sandbox's commands and file calls. */
import type { Duration, Encoding, NetworkPolicyInput, SleepMode } from '@paddock/protocol';
import type { LimitsInput } from './types.js';

/**
 * How `getSandbox` creates the sandbox when it does not exist yet.
 *
 * @example
 * const options: SandboxOptions = { limits: { memoryMiB: 1024 }, env: { CI: '1' } };
 */
export interface SandboxOptions {
  /** Resource limits applied when this handle creates the sandbox. */
  limits?: LimitsInput;
  /** Environment for every command, applied when this handle creates the sandbox. */
  env?: Record<string, string>;
  /** Idle time after which it sleeps (e.g. "10m" or seconds); the next call wakes it. */
  sleepAfter?: Duration;
  /** How it sleeps: `stop` (default; files kept, processes end) or `pause` (memory kept). */
  sleepMode?: SleepMode;
  /** Never sleeps while true. */
  keepAlive?: boolean;
  /** Hard lifetime (e.g. "1h" or seconds): destroyed when it passes. */
  ttl?: Duration;
  /** Egress policy applied when this handle creates the sandbox (default: no egress). */
  network?: NetworkPolicyInput;
  /**
   * Create the sandbox on first use (default true). With false, operations on a missing sandbox
   * throw SandboxNotFoundError instead.
   */
  createIfMissing?: boolean;
}

/**
 * Options of `sandbox.exec`.
 *
 * @example
 * const options: ExecOptions = { cwd: 'app', env: { NODE_ENV: 'test' }, timeout: 60_000 };
 */
export interface ExecOptions {
  /** Stream output to `onOutput` as it arrives (the result is still returned at the end). */
  stream?: boolean;
  /** With `stream: true`, called for every chunk of output. */
  onOutput?: (stream: 'stdout' | 'stderr', data: string) => void;
  /** Extra environment; entries whose value is undefined are left out. */
  env?: Record<string, string | undefined>;
  /** Working directory; absolute, or relative to /workspace. */
  cwd?: string;
  /** Kill the command after this many milliseconds (it then throws CommandTimeoutError). */
  timeout?: number;
  /** Bytes of output kept per stream; the rest is dropped and `truncated` set (default 16 MiB). */
  outputLimit?: number;
  /** Abandons the request (the daemon still stops the command at its timeout). */
  signal?: AbortSignal;
}

/**
 * Options of `sandbox.writeFile` and `sandbox.readFile`.
 *
 * @example
 * const options: FileOptions = { encoding: 'base64' };
 */
export interface FileOptions {
  /** For writes: how a string `content` is encoded. For reads: how to return the content. */
  encoding?: Encoding;
  signal?: AbortSignal;
}
