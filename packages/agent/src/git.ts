/**
 * gitCheckout: `git clone` inside the sandbox, with a timeout, never prompting, and git's stderr
 * mapped to typed errors. Credentials in the URL are redacted from every message and reply.
 */
import { posix } from 'node:path';
import {
  DEFAULT_GIT_TIMEOUT_MS,
  PaddockError,
  type ErrorCode,
  type GitCheckoutRequest,
  type GitCheckoutResult,
} from '@paddock/protocol';
import { runChild } from './child.js';
import { resolveInWorkspace } from './paths.js';

export interface GitOptions {
  workspaceDir: string;
  baseEnv: Record<string, string>;
  signal?: AbortSignal;
}

/** Replaces the user-info part of every URL in `text` (`https://user:token@h` → `https://***@h`). */
export function redactCredentials(text: string): string {
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/)[^/@\s]*@/gi, '$1***@');
}

const SCP_LIKE = /^[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:[^\s]+$/;

/** Checks a clone URL (https, http, git, ssh, or scp-like user@host:path); INVALID_GIT_URL if not. */
export function checkGitUrl(url: string): void {
  const bad = (why: string) =>
    new PaddockError('INVALID_GIT_URL', `Invalid git URL '${redactCredentials(url)}': ${why}`);
  if (/[\s\p{Cc}]/u.test(url) || url.startsWith('-'))
    throw bad('whitespace, control characters or a leading "-"');
  if (SCP_LIKE.test(url)) return;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw bad('not a URL');
  }
  if (!['https:', 'http:', 'git:', 'ssh:'].includes(parsed.protocol))
    throw bad(`scheme ${parsed.protocol} is not supported`);
  if (!parsed.hostname) throw bad('no host');
  if (parsed.pathname.replace(/\/+$/, '') === '') throw bad('no repository path');
}

/** The repository's name from its URL: the last path segment without `.git`. */
export function repoName(url: string): string {
  const path = SCP_LIKE.test(url) ? url.slice(url.indexOf(':') + 1) : new URL(url).pathname;
  const last = path.replace(/\/+$/, '').split('/').pop() ?? '';
  const name = last.replace(/\.git$/, '');
  return name === '' || name === '.' || name === '..' ? 'repo' : name;
}

/** git clone's argv (pure, pinned by tests): options first, then `--`, then URL and directory. */
export function gitCloneArgv(req: GitCheckoutRequest, targetDir: string): string[] {
  const args = ['clone', '--quiet'];
  if (req.branch !== undefined) args.push('--branch', req.branch, '--single-branch');
  if (req.depth !== undefined) args.push('--depth', String(req.depth));
  args.push('--', req.repoUrl, targetDir);
  return args;
}

const PATTERNS: [RegExp, ErrorCode][] = [
  [
    /Remote branch .* not found|couldn't find remote ref|Could not find remote branch/i,
    'GIT_BRANCH_NOT_FOUND',
  ],
  [
    /Authentication failed|could not read (Username|Password)|Permission denied \(|Access denied|returned error: 40[13]/i,
    'GIT_AUTH_FAILED',
  ],
  [
    /repository .* not found|not found|does not appear to be a git repository|not exported|returned error: 404|does not exist/i,
    'GIT_REPOSITORY_NOT_FOUND',
  ],
  [
    /Could not resolve host|Connection refused|Failed to connect|timed out|unreachable|Could not connect|Connection reset|unable to connect|unable to access/i,
    'GIT_NETWORK_ERROR',
  ],
  [/already exists and is not an empty directory/i, 'FILE_EXISTS'],
];

/** The typed error for git's stderr (pure, pinned by tests). */
export function classifyGitError(stderr: string): ErrorCode {
  for (const [pattern, code] of PATTERNS) if (pattern.test(stderr)) return code;
  return 'GIT_CLONE_FAILED';
}

export async function gitCheckout(
  req: GitCheckoutRequest,
  opts: GitOptions,
): Promise<GitCheckoutResult> {
  checkGitUrl(req.repoUrl);
  const targetDir = resolveInWorkspace(
    opts.workspaceDir,
    req.targetDir ?? posix.join(opts.workspaceDir, repoName(req.repoUrl)),
  );
  const timeout = req.timeout ?? DEFAULT_GIT_TIMEOUT_MS;
  const env = {
    ...opts.baseEnv,
    LC_ALL: 'C',
    GIT_TERMINAL_PROMPT: '0',
    GIT_ASKPASS: '/bin/false',
    GIT_SSH_COMMAND: 'ssh -o BatchMode=yes',
  };
  const spec = { cwd: opts.workspaceDir, env, outputLimit: 64 * 1024, signal: opts.signal };
  const outcome = await runChild({
    ...spec,
    file: 'git',
    args: gitCloneArgv(req, targetDir),
    timeout,
  });
  if (outcome.kind === 'failed') {
    throw new PaddockError(
      'GIT_CLONE_FAILED',
      `git could not be started (${String(outcome.error)})`,
    );
  }
  const stderr = redactCredentials(outcome.stderr.text()).trim().slice(-2048);
  if (outcome.timedOut)
    throw new PaddockError('COMMAND_TIMEOUT', `git clone timed out after ${timeout} ms`);
  if (outcome.exitCode !== 0)
    throw new PaddockError(classifyGitError(stderr), `git clone failed: ${stderr}`);
  const head = await runChild({
    ...spec,
    file: 'git',
    args: ['-C', targetDir, 'rev-parse', '--abbrev-ref', 'HEAD'],
    timeout: 30_000,
  });
  const branch = req.branch ?? (head.kind === 'exited' ? head.stdout.text().trim() : '');
  return { repoUrl: redactCredentials(req.repoUrl), branch, targetDir };
}
