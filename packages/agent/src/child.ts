/**
 * Starting and watching one command. Every child leads its own process group, so a timeout or a
 * vanished caller kills the command together with everything it started.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { constants } from 'node:os';
import { CappedOutput } from './output.js';

/** How long to wait for stdout/stderr to close after the command exits (background holders). */
export const STDIO_GRACE_MS = 300;

export interface ChildSpec {
  file: string;
  args: string[];
  cwd: string;
  env: Record<string, string>;
  outputLimit: number;
  timeout?: number | undefined;
  signal?: AbortSignal | undefined;
}

export type ChildOutcome =
  | {
      kind: 'exited';
      exitCode: number;
      stdout: CappedOutput;
      stderr: CappedOutput;
      timedOut: boolean;
    }
  | { kind: 'failed'; error: unknown };

const ignore = (): void => {};

/** SIGKILL to the whole group; ESRCH (already gone) and friends are not errors here. */
export function killGroup(pid: number | undefined): void {
  if (pid === undefined || pid <= 0) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // The group is gone already.
  }
}

/** Shell convention: a signal death reports 128 + the signal number. */
export function exitCodeOf(code: number | null, signal: NodeJS.Signals | null): number {
  if (code !== null) return code;
  if (signal !== null) return 128 + (constants.signals[signal] ?? 0);
  return -1;
}

/**
 * Commands are the OOM killer's first choice in their sandbox, before the agent: raising a score
 * needs no privilege (lowering the agent's would). What the command forks inherits it.
 */
export const COMMAND_OOM_SCORE_ADJ = 500;

function preferForOom(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    writeFileSync(`/proc/${pid}/oom_score_adj`, String(COMMAND_OOM_SCORE_ADJ));
  } catch {
    // Already exited, or no /proc (tests on other systems): nothing to prefer.
  }
}

/** Spawn a command as the leader of its own process group; a synchronous failure is returned. */
export function start(spec: ChildSpec): ChildProcess | { error: unknown } {
  try {
    const child = spawn(spec.file, spec.args, {
      cwd: spec.cwd,
      env: spec.env,
      stdio: ['ignore', 'pipe', 'pipe'], // stdin is /dev/null
      detached: true, // setsid(): the command leads a new process group
      windowsHide: true,
    });
    preferForOom(child.pid);
    return child;
  } catch (error) {
    // Errors other than ENOENT/EACCES/EAGAIN/EMFILE/ENFILE (e.g. ENOMEM) are thrown synchronously.
    return { error };
  }
}

/** Runs the command to its end (or its timeout) and collects capped output; never rejects. */
export function runChild(spec: ChildSpec): Promise<ChildOutcome> {
  const child = start(spec);
  if (!(child instanceof ChildProcess)) return Promise.resolve({ kind: 'failed', ...child });
  return watch(child, spec);
}

function watch(child: ChildProcess, spec: ChildSpec): Promise<ChildOutcome> {
  return new Promise((resolve) => {
    const stdout = new CappedOutput(spec.outputLimit);
    const stderr = new CappedOutput(spec.outputLimit);
    const onOut = (c: Buffer): void => stdout.push(c);
    const onErr = (c: Buffer): void => stderr.push(c);
    child.stdout?.on('data', onOut).on('error', ignore);
    child.stderr?.on('data', onErr).on('error', ignore);
    let timedOut = false;
    let done = false;
    let grace: NodeJS.Timeout | undefined;
    const kill = (): void => killGroup(child.pid);
    const timer =
      spec.timeout === undefined
        ? undefined
        : setTimeout(() => {
            timedOut = true;
            kill();
          }, spec.timeout);
    spec.signal?.addEventListener('abort', kill, { once: true });
    if (spec.signal?.aborted) kill(); // the caller left before the command even started

    const finish = (outcome: ChildOutcome): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      clearTimeout(grace);
      spec.signal?.removeEventListener('abort', kill);
      // A background process may still hold the pipes: keep draining them (discarding) so it
      // never blocks or dies of SIGPIPE; the fds close when it exits.
      child.stdout?.off('data', onOut).resume();
      child.stderr?.off('data', onErr).resume();
      resolve(outcome);
    };
    const exited = (code: number | null, sig: NodeJS.Signals | null): void =>
      finish({ kind: 'exited', exitCode: exitCodeOf(code, sig), stdout, stderr, timedOut });

    child.once('close', exited);
    child.once('exit', (code, sig) => {
      // The command itself is done: a late timer or caller must not kill what it left running.
      clearTimeout(timer);
      spec.signal?.removeEventListener('abort', kill);
      grace = setTimeout(() => exited(code, sig), STDIO_GRACE_MS);
    });
    child.on('error', (error) => {
      // With no pid the spawn itself failed; later errors (a failed kill) change nothing.
      if (child.pid === undefined) finish({ kind: 'failed', error });
    });
  });
}
