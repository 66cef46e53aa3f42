/** gitCheckout on a sandbox: `git clone` run inside it, git's failures as typed errors. */
import {
  DEFAULT_GIT_TIMEOUT_MS,
  type GitCheckoutRequest,
  type GitCheckoutResult,
} from '@paddock/protocol';
import { execDeadline } from './exec-request.js';
import { sandboxPath, type Paddock } from './client.js';

export interface GitCheckoutOptions {
  /** Branch or tag; default the remote's default branch. */
  branch?: string;
  /** Default `/workspace/<repository name>`. */
  targetDir?: string;
  /** A shallow clone of this many commits. */
  depth?: number;
  /** Milliseconds; default 10 minutes. */
  timeout?: number;
  signal?: AbortSignal;
}

export interface GitLink {
  clientTimeoutMs: () => number;
  post<T>(suffix: string, body: unknown, timeoutMs: number, signal?: AbortSignal): Promise<T>;
}

export function gitLinkOf(
  client: Paddock,
  id: string,
  run: <T>(op: () => Promise<T>) => Promise<T>,
): GitLink {
  return {
    clientTimeoutMs: () => client.timeoutMs,
    post: (suffix, body, timeoutMs, signal) =>
      run(() => client.request('POST', sandboxPath(id, suffix), { body, timeoutMs, signal })),
  };
}

/**
 * Clone a repository into the sandbox.
 *
 * @example
 * await sandbox.gitCheckout('https://git.example/repo.git', { branch: 'main', depth: 1 });
 *
 * Credentials may be in the URL (`https://user:token@host/repo.git`); the daemon and the agent
 * never log them, and the result's `repoUrl` has them replaced by `***`.
 */
export function gitCheckout(
  link: GitLink,
  repoUrl: string,
  options: GitCheckoutOptions = {},
): Promise<GitCheckoutResult> {
  const { signal, ...rest } = options;
  const body: GitCheckoutRequest = { repoUrl, ...rest };
  const timeoutMs = execDeadline(link.clientTimeoutMs(), options.timeout ?? DEFAULT_GIT_TIMEOUT_MS);
  return link.post<GitCheckoutResult>('/git/checkout', body, timeoutMs, signal);
}
