/** Building the body and the client-side deadline of an exec request. */
import type { ExecOptions } from './sandbox.js';
import type { ExecRequest } from './types.js';

/** Time the client waits for an exec reply beyond the command's own timeout. */
const EXEC_GRACE_MS = 10_000;

export function execRequest(command: string | string[], options: ExecOptions): ExecRequest {
  const body: ExecRequest = { command };
  if (options.env) body.env = definedEntries(options.env);
  if (options.cwd !== undefined) body.cwd = options.cwd;
  if (options.timeout !== undefined) body.timeout = options.timeout;
  if (options.outputLimit !== undefined) body.outputLimit = options.outputLimit;
  return body;
}

function definedEntries(env: Record<string, string | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) if (value !== undefined) out[key] = value;
  return out;
}

/** The command may legitimately run for `timeout`; without one, only the command bounds it. */
export function execDeadline(clientTimeoutMs: number, commandTimeout: number | undefined): number {
  if (commandTimeout === undefined || clientTimeoutMs === 0) return 0;
  return Math.max(clientTimeoutMs, commandTimeout + EXEC_GRACE_MS);
}
