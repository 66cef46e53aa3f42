/**
 * The one error registry. Every error Paddock reports has a code from here, the HTTP status the
 * API answers with, and a hint that names the fix. A retired code is never reused.
 */

import type { Parsed } from './schema.js';

interface ErrorSpec {
  readonly status: number;
  /** What the caller can do about it; appended to messages that do not already say. */
  readonly hint: string;
  readonly retryable?: boolean;
}

export const ERRORS = {
  VALIDATION_FAILED: { status: 400, hint: 'Fix the named field and send the request again.' },
  INVALID_JSON: { status: 400, hint: 'Send a JSON body with Content-Type: application/json.' },
  UNSUPPORTED_MEDIA_TYPE: {
    status: 415,
    hint: 'Send JSON bodies with Content-Type: application/json (or no Content-Type).',
  },
  UNAUTHORIZED: {
    status: 401,
    hint: 'Pass a valid API key as "Authorization: Bearer <key>" (the SDK and CLI read PADDOCK_API_KEY).',
  },
  FORBIDDEN: {
    status: 403,
    hint: 'Use a key with the scope this call needs (`paddock keys create --scope …` with an admin key).',
  },
  KEY_NOT_FOUND: { status: 404, hint: 'List the keys with `paddock keys ls` (admin key).' },
  ROUTE_NOT_FOUND: { status: 404, hint: 'See /v1/openapi.json for the routes this daemon serves.' },
  METHOD_NOT_ALLOWED: { status: 405, hint: 'See /v1/openapi.json for the methods of this route.' },
  UPGRADE_REQUIRED: {
    status: 426,
    hint: 'Open this route as a WebSocket (the SDK terminal() or `paddock shell`).',
  },
  SANDBOX_NOT_FOUND: {
    status: 404,
    hint: 'Create it first (getSandbox(client, id) or `paddock create <id>`), or check the id with `paddock ls`.',
  },
  SANDBOX_ALREADY_EXISTS: {
    status: 409,
    hint: 'Pick another id, or use the existing sandbox (getSandbox reuses it).',
  },
  INVALID_STATE: {
    status: 409,
    hint: "The operation is not allowed in the sandbox's current state (see `paddock ls`); wait for it to be running, wake it, or destroy and create it again.",
  },
  RATE_LIMITED: {
    status: 429,
    hint: 'Slow down: retry after the Retry-After header says; the limit is per API key.',
    retryable: true,
  },
  PAYLOAD_TOO_LARGE: { status: 413, hint: 'Send a smaller body, or split the content.' },
  COMMAND_TIMEOUT: {
    status: 408,
    hint: 'The command was killed; pass a larger `timeout` (milliseconds) if it needs longer.',
  },
  FILE_NOT_FOUND: { status: 404, hint: 'Check the path; relative paths start at /workspace.' },
  FILE_EXISTS: {
    status: 409,
    hint: 'Something already exists at the path; remove it or pick another path.',
  },
  IS_DIRECTORY: { status: 400, hint: 'The path is a directory; name a file inside it.' },
  NOT_DIRECTORY: { status: 400, hint: 'A parent of the path is a file, not a directory.' },
  PERMISSION_DENIED: { status: 403, hint: 'The sandbox user may not access this path.' },
  NO_SPACE: {
    status: 507,
    hint: "The sandbox's disk quota is full; delete files or create the sandbox with a larger `disk` limit.",
  },
  FILE_TOO_LARGE: {
    status: 413,
    hint: 'The file is over the buffered read limit; read it in parts with exec or a stream.',
  },
  FILESYSTEM_ERROR: { status: 500, hint: 'The filesystem call failed; see the message.' },
  PROCESS_NOT_FOUND: {
    status: 404,
    hint: 'Check the process id with listProcesses() or `paddock ps <id>`; finished processes are forgotten oldest first past 1024.',
  },
  PROCESS_ALREADY_EXISTS: {
    status: 409,
    hint: 'Pick another processId, or leave it out for a generated one.',
  },
  PROCESS_LIMIT_REACHED: {
    status: 409,
    hint: 'The sandbox runs as many background processes as its `maxProcesses` limit (and tracks at most 1024); kill some with killProcess or killAllProcesses.',
  },
  PROCESS_READY_TIMEOUT: {
    status: 408,
    hint: 'The process did not become ready in time; pass a larger timeout or check its logs with getProcessLogs.',
  },
  PROCESS_EXITED_BEFORE_READY: {
    status: 409,
    hint: 'The process exited before it was ready; read why with getProcessLogs.',
  },
  PROCESS_LOG_OVERFLOW: {
    status: 409,
    hint: 'The log stream reader fell too far behind; read the logs with getProcessLogs or stream them again.',
  },
  SESSION_NOT_FOUND: {
    status: 404,
    hint: 'Create it with createSession({ id }) (POST /v1/sandboxes/{id}/sessions); sessions end with deleteSession or the sandbox.',
  },
  SESSION_ALREADY_EXISTS: {
    status: 409,
    hint: 'Pick another session id, or use the existing one with getSession(id).',
  },
  SANDBOX_UNAVAILABLE: {
    status: 503,
    hint: "The sandbox's agent did not answer; retry, or check `paddock ls` for a failed state.",
    retryable: true,
  },
  AGENT_PROTOCOL_ERROR: {
    status: 502,
    hint: 'The sandbox agent sent a malformed reply; the sandbox may be compromised. Destroy it.',
  },
  BACKEND_ERROR: {
    status: 500,
    hint: 'The isolation backend failed; the daemon log has the detail.',
  },
  BACKEND_UNAVAILABLE: {
    status: 400,
    hint: 'Ask for one of the backends GET /v1/health lists, or leave `backend` out for the default.',
  },
  CAPACITY_EXHAUSTED: {
    status: 503,
    hint: 'The daemon has no free network slots; destroy unused sandboxes.',
    retryable: true,
  },
  INVALID_PORT: {
    status: 400,
    hint: 'Expose a port from 1024 to 65535 that a server in the sandbox listens on.',
  },
  PORT_RESERVED: {
    status: 400,
    hint: "The agent's port and the daemon's own ports can never be exposed; serve on another port.",
  },
  PORT_ALREADY_EXPOSED: {
    status: 409,
    hint: 'The port already has a preview; unexposePort it first to get a new URL (that revokes the old one).',
  },
  PORT_NOT_EXPOSED: {
    status: 404,
    hint: 'Expose the port first with exposePort (or `paddock expose <id> <port>`); list them with getExposedPorts.',
  },
  PREVIEW_TOKEN_IN_USE: {
    status: 409,
    hint: 'Pick another token, or leave `token` out for a generated one.',
  },
  PREVIEW_LIMIT_REACHED: {
    status: 409,
    hint: 'A sandbox has at most 32 exposed ports; unexpose some first.',
  },
  PREVIEW_NOT_FOUND: {
    status: 404,
    hint: 'The preview URL is wrong, revoked or its sandbox is gone; expose the port again for a new URL.',
  },
  PREVIEW_EXPIRED: {
    status: 404,
    hint: 'The preview URL or link has expired; expose the port again or ask for a new link.',
  },
  PREVIEW_AUTH_REQUIRED: {
    status: 401,
    hint: 'This preview is private: send an API key with the previews scope, or open a login URL from POST /v1/sandboxes/{id}/ports/{port}/grants first.',
  },
  PREVIEW_UPSTREAM_UNAVAILABLE: {
    status: 502,
    hint: 'Nothing answered on that port in the sandbox; start the server (listening on 0.0.0.0) and retry.',
    retryable: true,
  },
  PREVIEW_BUSY: {
    status: 503,
    hint: 'The preview has as many open connections as it may hold; close some and retry.',
    retryable: true,
  },
  CONTEXT_NOT_FOUND: {
    status: 404,
    hint: 'Check the id with listCodeContexts() (GET /v1/sandboxes/{id}/code/contexts), or create one with createCodeContext.',
  },
  CONTEXT_DEAD: {
    status: 410,
    hint: "The context's interpreter exited or was killed and its state is gone; delete the context and create a new one.",
  },
  CONTEXT_LIMIT_REACHED: {
    status: 409,
    hint: 'A sandbox keeps at most 32 code contexts; delete unused ones with deleteCodeContext.',
  },
  INTERPRETER_NOT_READY: {
    status: 503,
    hint: 'The interpreter did not start; check that the guest image has python3 and node (`paddockd setup`), then retry.',
    retryable: true,
  },
  CODE_EXECUTION_TIMEOUT: {
    status: 408,
    hint: 'The run was interrupted; pass a larger `timeout` (milliseconds) if it needs longer.',
  },
  INVALID_GIT_URL: {
    status: 400,
    hint: 'Pass an https://, http://, git:// or ssh:// URL (or user@host:path) of a repository.',
  },
  GIT_REPOSITORY_NOT_FOUND: {
    status: 404,
    hint: 'Check the repository URL; private repositories need credentials in the URL.',
  },
  GIT_BRANCH_NOT_FOUND: {
    status: 404,
    hint: 'Check the branch name, or leave `branch` out for the remote default.',
  },
  GIT_AUTH_FAILED: {
    status: 401,
    hint: 'Put valid credentials in the URL (https://user:token@host/repo.git).',
  },
  GIT_NETWORK_ERROR: {
    status: 502,
    hint: "The git host did not answer from inside the sandbox; check the URL's host and port and the sandbox's network policy.",
    retryable: true,
  },
  GIT_CLONE_FAILED: { status: 500, hint: "git clone failed; the message has git's reason." },
  QUOTA_EXCEEDED: {
    status: 403,
    hint: "The tenant's quota does not allow it (details name the limit, what is used and the maximum); destroy sandboxes, ask for less, or have an admin raise the quota (`paddock quota set`).",
  },
  SESSION_LIMIT_REACHED: {
    status: 409,
    hint: 'The sandbox has as many sessions open as its `maxSessions` limit; delete one with deleteSession, or create the sandbox with a larger limit.',
  },
  INTERNAL_ERROR: { status: 500, hint: 'An unexpected error; the daemon log has the detail.' },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ERRORS;

export const ERROR_CODES = Object.keys(ERRORS) as [ErrorCode, ...ErrorCode[]];

export function statusOf(code: ErrorCode): number {
  return ERRORS[code].status;
}

export function isRetryable(code: ErrorCode): boolean {
  const spec: ErrorSpec = ERRORS[code];
  return spec.retryable === true;
}

export function isErrorCode(v: unknown): v is ErrorCode {
  return typeof v === 'string' && Object.prototype.hasOwnProperty.call(ERRORS, v);
}

/** The wire body of every error. */
export interface ErrorBody {
  code: ErrorCode;
  message: string;
  details?: Record<string, unknown>;
}

/** The typed error thrown inside the daemon and the agent; the API maps it to its status. */
export class PaddockError extends Error {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, details?: Record<string, unknown>) {
    super(message);
    this.name = 'PaddockError';
    this.code = code;
    this.details = details;
  }

  get status(): number {
    return statusOf(this.code);
  }

  toBody(): ErrorBody {
    const body: ErrorBody = { code: this.code, message: withHint(this.code, this.message) };
    if (this.details) body.details = this.details;
    return body;
  }
}

/** A parse result's value, or VALIDATION_FAILED naming the field (every boundary's answer). */
export function validOrThrow<T>(r: Parsed<T>): T {
  if (r.ok) return r.value;
  const { path, message } = r.issue;
  throw new PaddockError('VALIDATION_FAILED', `${path} ${message}`, { field: path });
}

/** A message followed by the registry's hint, so every error names its fix. */
export function withHint(code: ErrorCode, message: string): string {
  const hint = ERRORS[code].hint;
  return message.includes(hint) ? message : `${message}. ${hint}`;
}
