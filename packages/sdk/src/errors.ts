/**
 * Errors the daemon reports, as typed classes chosen by `code`. Match on `.code`, or on the class
 * with `instanceof`; `PaddockError.is(e)` also works when two copies of the SDK are loaded.
 */
import {
  ERRORS,
  isErrorCode,
  isRetryable,
  type ErrorBody,
  type ErrorCode,
} from '@paddock/protocol';

const BRAND = Symbol.for('paddock.error');

/**
 * Extra facts about an error: the HTTP status received and the body's `details`.
 *
 * @example
 * new PaddockError('NO_SPACE', 'disk full', { status: 507, details: { path: '/workspace' } });
 */
export interface PaddockErrorInit {
  /** HTTP status the daemon answered with; defaults to the registry's status for the code. */
  status?: number;
  details?: Record<string, unknown>;
}

/**
 * An error reported by the daemon, carrying a registry code.
 *
 * @example
 * try {
 *   await paddock.getSandboxInfo('missing');
 * } catch (e) {
 *   if (PaddockError.is(e) && e.code === 'SANDBOX_NOT_FOUND') console.log('no such sandbox');
 * }
 */
export class PaddockError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, init: PaddockErrorInit = {}) {
    super(message);
    this.name = new.target.name;
    this.code = code;
    this.status = init.status ?? ERRORS[code].status;
    this.details = init.details;
    // Non-enumerable so logs and JSON stay clean; found by `is` whatever copy made the error.
    Object.defineProperty(this, BRAND, { value: true });
  }

  /** True when sending the same request again may succeed (e.g. SANDBOX_UNAVAILABLE). */
  get retryable(): boolean {
    return isRetryable(this.code);
  }

  /**
   * Whether `e` is a PaddockError from any copy of the SDK.
   *
   * @example
   * if (PaddockError.is(e)) console.error(`[${e.code}] ${e.message}`);
   */
  static is(e: unknown): e is PaddockError {
    return typeof e === 'object' && e !== null && (e as Record<symbol, unknown>)[BRAND] === true;
  }
}

/**
 * The sandbox does not exist (never created, or destroyed).
 *
 * @example
 * if (e instanceof SandboxNotFoundError) await paddock.createSandbox({ id });
 */
export class SandboxNotFoundError extends PaddockError {
  constructor(message: string, init?: PaddockErrorInit) {
    super('SANDBOX_NOT_FOUND', message, init);
  }
}

/**
 * A sandbox with this id already exists.
 *
 * @example
 * if (e instanceof SandboxAlreadyExistsError) sandbox = getSandbox(paddock, id);
 */
export class SandboxAlreadyExistsError extends PaddockError {
  constructor(message: string, init?: PaddockErrorInit) {
    super('SANDBOX_ALREADY_EXISTS', message, init);
  }
}

/**
 * The API key is missing or wrong.
 *
 * @example
 * if (e instanceof UnauthorizedError) console.error('check PADDOCK_API_KEY');
 */
export class UnauthorizedError extends PaddockError {
  constructor(message: string, init?: PaddockErrorInit) {
    super('UNAUTHORIZED', message, init);
  }
}

/**
 * The daemon rejected a field of the request; the message names it.
 *
 * @example
 * if (e instanceof ValidationError) console.error(e.message); // "id must be 1-63 lowercase ..."
 */
export class ValidationError extends PaddockError {
  constructor(message: string, init?: PaddockErrorInit) {
    super('VALIDATION_FAILED', message, init);
  }
}

/**
 * The sandbox is not in a state that accepts the operation (e.g. still stopping).
 *
 * @example
 * if (e instanceof InvalidStateError) await sandbox.destroy();
 */
export class InvalidStateError extends PaddockError {
  constructor(message: string, init?: PaddockErrorInit) {
    super('INVALID_STATE', message, init);
  }
}

/**
 * The tenant's quota does not allow the create; `details` name the limit, used, requested, max.
 *
 * @example
 * if (e instanceof QuotaExceededError) console.error(e.details?.['limit']);
 */
export class QuotaExceededError extends PaddockError {
  constructor(message: string, init?: PaddockErrorInit) {
    super('QUOTA_EXCEEDED', message, init);
  }
}

/**
 * The command ran past its `timeout` and was killed; the output it made so far is kept.
 *
 * @example
 * try {
 *   await sandbox.exec('sleep 10', { timeout: 1000 });
 * } catch (e) {
 *   if (e instanceof CommandTimeoutError) console.log(e.stdout, e.duration);
 * }
 */
export class CommandTimeoutError extends PaddockError {
  readonly stdout: string;
  readonly stderr: string;
  /** Milliseconds the command ran before it was killed. */
  readonly duration: number;

  constructor(message: string, init?: PaddockErrorInit) {
    super('COMMAND_TIMEOUT', message, init);
    const d = init?.details ?? {};
    this.stdout = typeof d['stdout'] === 'string' ? d['stdout'] : '';
    this.stderr = typeof d['stderr'] === 'string' ? d['stderr'] : '';
    this.duration = typeof d['duration'] === 'number' ? d['duration'] : 0;
  }
}

/**
 * The path does not exist in the sandbox.
 *
 * @example
 * if (e instanceof FileNotFoundError) await sandbox.writeFile(path, '');
 */
export class FileNotFoundError extends PaddockError {
  constructor(message: string, init?: PaddockErrorInit) {
    super('FILE_NOT_FOUND', message, init);
  }
}

/**
 * The sandbox's agent did not answer; retrying may help.
 *
 * @example
 * if (e instanceof SandboxUnavailableError && e.retryable) await retryLater();
 */
export class SandboxUnavailableError extends PaddockError {
  constructor(message: string, init?: PaddockErrorInit) {
    super('SANDBOX_UNAVAILABLE', message, init);
  }
}

/**
 * The sandbox tracks no process with this id.
 *
 * @example
 * if (e instanceof ProcessNotFoundError) console.log('already forgotten');
 */
export class ProcessNotFoundError extends PaddockError {
  constructor(message: string, init?: PaddockErrorInit) {
    super('PROCESS_NOT_FOUND', message, init);
  }
}

/**
 * A wait (log line, port, exit) ran out of time; the process is left running.
 *
 * @example
 * if (e instanceof ProcessReadyTimeoutError) console.log(await proc.getLogs());
 */
export class ProcessReadyTimeoutError extends PaddockError {
  constructor(message: string, init?: PaddockErrorInit) {
    super('PROCESS_READY_TIMEOUT', message, init);
  }
}

/**
 * The process exited before what was waited for (log line, port) happened.
 *
 * @example
 * if (e instanceof ProcessExitedBeforeReadyError) console.error((await proc.getLogs()).stderr);
 */
export class ProcessExitedBeforeReadyError extends PaddockError {
  constructor(message: string, init?: PaddockErrorInit) {
    super('PROCESS_EXITED_BEFORE_READY', message, init);
  }
}

/**
 * The session does not exist in the sandbox (never created, deleted, or the sandbox was
 * re-created).
 *
 * @example
 * if (e instanceof SessionNotFoundError) session = await sandbox.createSession({ id });
 */
export class SessionNotFoundError extends PaddockError {
  constructor(message: string, init?: PaddockErrorInit) {
    super('SESSION_NOT_FOUND', message, init);
  }
}

/**
 * A session with this id already exists in the sandbox.
 *
 * @example
 * if (e instanceof SessionAlreadyExistsError) session = await sandbox.getSession(id);
 */
export class SessionAlreadyExistsError extends PaddockError {
  constructor(message: string, init?: PaddockErrorInit) {
    super('SESSION_ALREADY_EXISTS', message, init);
  }
}

type CodedErrorClass = new (message: string, init?: PaddockErrorInit) => PaddockError;

/** The one code → class map; codes not listed become a plain PaddockError. */
const CLASS_BY_CODE: { readonly [C in ErrorCode]?: CodedErrorClass } = {
  SANDBOX_NOT_FOUND: SandboxNotFoundError,
  SANDBOX_ALREADY_EXISTS: SandboxAlreadyExistsError,
  UNAUTHORIZED: UnauthorizedError,
  VALIDATION_FAILED: ValidationError,
  INVALID_STATE: InvalidStateError,
  QUOTA_EXCEEDED: QuotaExceededError,
  COMMAND_TIMEOUT: CommandTimeoutError,
  FILE_NOT_FOUND: FileNotFoundError,
  SANDBOX_UNAVAILABLE: SandboxUnavailableError,
  SESSION_NOT_FOUND: SessionNotFoundError,
  SESSION_ALREADY_EXISTS: SessionAlreadyExistsError,
  PROCESS_NOT_FOUND: ProcessNotFoundError,
  PROCESS_READY_TIMEOUT: ProcessReadyTimeoutError,
  PROCESS_EXITED_BEFORE_READY: ProcessExitedBeforeReadyError,
};

/**
 * Build the typed error for a wire error body.
 *
 * @example
 * const err = errorFromBody({ code: 'SANDBOX_NOT_FOUND', message: 'no sandbox "a"' }, 404);
 * err instanceof SandboxNotFoundError; // true
 */
export function errorFromBody(body: ErrorBody, status?: number): PaddockError {
  const init: PaddockErrorInit = { details: body.details };
  if (status !== undefined) init.status = status;
  const Class = CLASS_BY_CODE[body.code];
  return Class ? new Class(body.message, init) : new PaddockError(body.code, body.message, init);
}

/**
 * Whether a parsed JSON value is a wire error body with a known code.
 *
 * @example
 * if (isErrorBody(json)) throw errorFromBody(json, res.status);
 */
export function isErrorBody(v: unknown): v is ErrorBody {
  if (typeof v !== 'object' || v === null) return false;
  const o = v as Record<string, unknown>;
  const details = o['details'];
  const detailsOk =
    details === undefined ||
    (typeof details === 'object' && details !== null && !Array.isArray(details));
  return isErrorCode(o['code']) && typeof o['message'] === 'string' && detailsOk;
}
