/**
 * POST /exec: run one command to completion and report its exit code and output. Failures of
 * the command itself (missing binary, process limit) are results, not errors, so the caller sees
 * them exactly as a shell would report them.
 */
import { stat } from 'node:fs/promises';
import {
  AGENT_ENV,
  MAX_JSON_BODY_BYTES,
  PaddockError,
  type ExecRequest,
  type ExecResult,
} from '@paddock/protocol';
import { runChild } from './child.js';
import { errnoOf, fsError } from './fs-errors.js';
import { fitStreams } from './output.js';
import { resolveInWorkspace } from './paths.js';

export interface ExecOptions {
  workspaceDir: string;
  outputLimitBytes: number;
  /** The environment every command starts from (see commandEnv). */
  baseEnv: Record<string, string>;
  /** Aborted when the caller goes away: the command's process group is killed. */
  signal?: AbortSignal | undefined;
}

const DEFAULT_ENV: Readonly<Record<string, string>> = {
  PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
  HOME: '/root',
  LANG: 'C.UTF-8',
  TERM: 'xterm-256color',
};

const AGENT_VARS: ReadonlySet<string> = new Set(Object.values(AGENT_ENV));

/** Room left in a reply for everything but the two output strings. */
const ENVELOPE_BYTES = 64 * 1024;

/** Defaults, overlaid by the sandbox's own environment minus the agent's private variables. */
export function commandEnv(source: NodeJS.ProcessEnv): Record<string, string> {
  const env: Record<string, string> = { ...DEFAULT_ENV };
  for (const [key, value] of Object.entries(source)) {
    if (value !== undefined && !AGENT_VARS.has(key)) env[key] = value;
  }
  return env;
}

/** A string runs through bash; an array is argv, run directly (PATH lookup, no shell). */
export function argvOf(command: ExecRequest['command']): [string, string[]] {
  if (typeof command === 'string') return ['/bin/bash', ['-c', command]];
  const [file = '', ...args] = command;
  return [file, args];
}

/** Checked up front because a missing cwd and a missing binary are the same ENOENT to spawn. */
export async function checkCwd(cwd: string): Promise<void> {
  let isDir: boolean;
  try {
    isDir = (await stat(cwd)).isDirectory();
  } catch (err) {
    if (errnoOf(err) === 'ENOENT') {
      throw new PaddockError('FILE_NOT_FOUND', `cwd not found: ${cwd}`, { path: cwd });
    }
    throw fsError(err, cwd, 'use as cwd');
  }
  if (!isDir) {
    throw new PaddockError('NOT_DIRECTORY', `cwd is not a directory: ${cwd}`, { path: cwd });
  }
}

/** What bash would print and return when a command cannot be started at all. */
export function spawnFailure(error: unknown, file: string): { exitCode: number; stderr: string } {
  const errno = errnoOf(error) ?? 'unknown error';
  switch (errno) {
    case 'ENOENT':
      return {
        exitCode: 127,
        stderr: file.includes('/')
          ? `${file}: No such file or directory\n`
          : `${file}: command not found\n`,
      };
    case 'EACCES':
    case 'EPERM':
      return { exitCode: 126, stderr: `${file}: Permission denied\n` };
    case 'EAGAIN':
      return {
        exitCode: 126,
        stderr:
          `paddock-agent: cannot start ${file}: the sandbox's process limit is reached (EAGAIN); ` +
          'wait for processes to exit, or create the sandbox with a larger pids limit\n',
      };
    default:
      return { exitCode: 126, stderr: `paddock-agent: cannot start ${file}: ${errno}\n` };
  }
}

export function elapsed(since: number): number {
  return Math.max(0, Math.round(performance.now() - since));
}

/** Runs a validated exec request. Throws PaddockError for a bad cwd and for a timeout. */
export async function runCommand(request: ExecRequest, opts: ExecOptions): Promise<ExecResult> {
  const cwd = resolveInWorkspace(opts.workspaceDir, request.cwd ?? '.');
  await checkCwd(cwd);
  const [file, args] = argvOf(request.command);
  const started = performance.now();
  const outcome = await runChild({
    file,
    args,
    cwd,
    env: { ...opts.baseEnv, PWD: cwd, ...request.env }, // PWD as a shell would set it
    outputLimit: request.outputLimit ?? opts.outputLimitBytes,
    timeout: request.timeout,
    signal: opts.signal,
  });
  const duration = elapsed(started);
  if (outcome.kind === 'failed') {
    const { exitCode, stderr } = spawnFailure(outcome.error, file);
    return { success: false, exitCode, stdout: '', stderr, duration };
  }
  const fitted = fitStreams(
    outcome.stdout.text(),
    outcome.stderr.text(),
    MAX_JSON_BODY_BYTES - ENVELOPE_BYTES,
  );
  const truncated = fitted.cut || outcome.stdout.truncated || outcome.stderr.truncated;
  if (outcome.timedOut) {
    const details = {
      stdout: fitted.stdout,
      stderr: fitted.stderr,
      duration,
      ...(truncated && { truncated }),
    };
    throw new PaddockError(
      'COMMAND_TIMEOUT',
      `command timed out after ${request.timeout ?? 0} ms`,
      details,
    );
  }
  const result: ExecResult = {
    success: outcome.exitCode === 0,
    exitCode: outcome.exitCode,
    stdout: fitted.stdout,
    stderr: fitted.stderr,
    duration,
  };
  if (truncated) result.truncated = true;
  return result;
}
