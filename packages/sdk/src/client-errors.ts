/**
 * Errors raised on the client side, before or instead of a daemon reply. They are not
 * PaddockErrors because they carry no registry code: the daemon never saw the request.
 */

/**
 * No API key was given and PADDOCK_API_KEY is not set.
 *
 * @example
 * try {
 *   new Paddock();
 * } catch (e) {
 *   if (e instanceof MissingApiKeyError) console.error(e.message);
 * }
 */
export class MissingApiKeyError extends Error {
  constructor() {
    super('No Paddock API key: set PADDOCK_API_KEY or pass { apiKey } to new Paddock().');
    this.name = 'MissingApiKeyError';
  }
}

/**
 * The daemon could not be reached (not running, wrong URL, connection dropped).
 *
 * @example
 * try {
 *   await paddock.health();
 * } catch (e) {
 *   if (e instanceof ConnectionError) console.error(e.message); // names the URL and the fix
 * }
 */
export class ConnectionError extends Error {
  /** The daemon base URL that was tried. */
  readonly url: string;

  constructor(url: string, cause?: unknown, message?: string) {
    super(message ?? unreachableMessage(url, cause), { cause });
    this.name = 'ConnectionError';
    this.url = url;
  }
}

/**
 * The daemon did not answer within the client's `timeoutMs`.
 *
 * @example
 * const paddock = new Paddock({ timeoutMs: 5_000 });
 * try {
 *   await paddock.listSandboxes();
 * } catch (e) {
 *   if (e instanceof RequestTimeoutError) console.error(`no answer in ${e.timeoutMs} ms`);
 * }
 */
export class RequestTimeoutError extends ConnectionError {
  readonly timeoutMs: number;

  constructor(url: string, timeoutMs: number) {
    super(
      url,
      undefined,
      `The Paddock daemon at ${url} did not answer within ${timeoutMs} ms; ` +
        'pass a larger timeoutMs to new Paddock() if the operation needs longer.',
    );
    this.name = 'RequestTimeoutError';
    this.timeoutMs = timeoutMs;
  }
}

function unreachableMessage(url: string, cause: unknown): string {
  const reason = rootCause(cause);
  return (
    `Cannot reach the Paddock daemon at ${url}${reason ? ` (${reason})` : ''}. ` +
    'Start it with `paddock serve`, or check PADDOCK_URL.'
  );
}

/** Node's fetch says only "fetch failed"; the socket error (ECONNREFUSED, ...) is in `cause`. */
function rootCause(cause: unknown): string | undefined {
  let c: unknown = cause;
  let message: string | undefined;
  for (let depth = 0; depth < 4 && c instanceof Error; depth++) {
    const code = (c as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    message = c.message;
    c = c.cause;
  }
  return message;
}
