/**
 * One session: a persistent shell, its state, and a queue that runs its calls one at a time
 * (different sessions run in parallel). A shell that ended (`exit`, a timeout, a kill) is replaced
 * on the next call by a fresh one: the session's env (creation env plus setEnvVars) and its
 * initial cwd, without what earlier commands changed.
 */
import { kernelRandomHex } from '../random.js';
import { existsSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import {
  MAX_JSON_BODY_BYTES,
  PaddockError,
  type AgentSessionExec,
  type EnvUpdate,
  type ExecResult,
} from '@paddock/protocol';
import { checkCwd, elapsed, spawnFailure } from '../exec.js';
import { fitStreams, type CappedOutput } from '../output.js';
import { killSessionTree } from './kill.js';
import { readCapped, removeAll } from './output-files.js';
import { commandText, envScript, preludeText, runLine } from './script.js';
import { SessionShell, type RunLimits, type RunOutcome } from './shell.js';

export interface SessionConfig {
  id: string;
  /** Absolute and checked. */
  cwd: string;
  /** The shell's whole environment. */
  env: Record<string, string>;
  /** A private directory for the command and output files. */
  dir: string;
  outputLimitBytes: number;
}

interface Ran {
  outcome: RunOutcome;
  stdout: CappedOutput;
  stderr: CappedOutput;
}

const ENVELOPE_BYTES = 64 * 1024;

export class Session {
  readonly id: string;
  readonly #config: SessionConfig;
  readonly #nonce = `PADDOCK-${kernelRandomHex(12)}`;
  readonly #env: Record<string, string>;
  #cwd: string;
  #shell: SessionShell | undefined;
  /** Groups of earlier shells: what they left running still belongs to the session. */
  readonly #oldGroups = new Set<number>();
  #seq = 0;
  #tail: Promise<unknown> = Promise.resolve();
  #closed = false;

  constructor(config: SessionConfig) {
    this.id = config.id;
    this.#config = config;
    this.#env = { ...config.env };
    this.#cwd = config.cwd;
  }

  /** The shell's cwd after its last command: the base of this session's relative paths. */
  get cwd(): string {
    return this.#cwd;
  }

  /** The session's env (its own, plus setEnv updates), for a terminal opened on it. */
  get env(): Record<string, string> {
    return { ...this.#env };
  }

  exec(req: AgentSessionExec, signal?: AbortSignal): Promise<ExecResult> {
    return this.#enqueue(() => this.#exec(req, signal));
  }

  /** Applies to this session only; kept for a shell that replaces this one. */
  setEnv(update: EnvUpdate): Promise<void> {
    return this.#enqueue(async () => {
      for (const [name, value] of Object.entries(update)) {
        if (value === null) delete this.#env[name];
        else this.#env[name] = value;
      }
      if (this.#shell?.alive) await this.#run(envScript(update), undefined, {});
    });
  }

  /** Ends the shell and everything the session started, now (not after queued calls). */
  async close(): Promise<void> {
    this.#closed = true;
    const shell = this.#shell;
    killSessionTree(shell?.pid, this.#oldGroups);
    await shell?.exited;
    await rm(this.#config.dir, { recursive: true, force: true }).catch(() => undefined);
  }

  #enqueue<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#tail.then(() => {
      if (this.#closed) {
        throw new PaddockError('SESSION_NOT_FOUND', `Session '${this.id}' was deleted`);
      }
      return fn();
    });
    this.#tail = run.catch(() => undefined);
    return run;
  }

  async #exec(req: AgentSessionExec, signal: AbortSignal | undefined): Promise<ExecResult> {
    const cwd = req.cwd === undefined ? undefined : resolve(this.#cwd, req.cwd);
    if (cwd !== undefined) await checkCwd(cwd);
    const started = performance.now();
    const prelude = cwd !== undefined || req.env ? preludeText(cwd, req.env ?? {}) : undefined;
    let ran: Ran;
    try {
      ran = await this.#run(commandText(req.command), prelude, { timeout: req.timeout, signal });
    } catch (err) {
      const { exitCode, stderr } = spawnFailure(err, '/bin/bash');
      return { success: false, exitCode, stdout: '', stderr, duration: elapsed(started) };
    }
    return resultOf(ran, elapsed(started), req.timeout);
  }

  /** Runs a script in the shell (starting one if needed); rejects only if bash cannot start. */
  async #run(script: string, prelude: string | undefined, limits: RunLimits): Promise<Ran> {
    const shell = await this.#ensureShell();
    const seq = ++this.#seq;
    const base = join(this.#config.dir, String(seq));
    const files = {
      script: `${base}.sh`,
      prelude: prelude === undefined ? undefined : `${base}.pre.sh`,
      stdout: `${base}.out`,
      stderr: `${base}.err`,
    };
    await mkdir(this.#config.dir, { recursive: true, mode: 0o700 }); // a user may have removed it
    await writeFile(files.script, `${script}\n`, { mode: 0o600 });
    if (files.prelude !== undefined && prelude !== undefined) {
      await writeFile(files.prelude, prelude, { mode: 0o600 });
    }
    const outcome = await shell.run(runLine(files, this.#nonce, seq), seq, limits);
    const limit = this.#config.outputLimitBytes;
    const [stdout, stderr] = await Promise.all([
      readCapped(files.stdout, limit),
      readCapped(files.stderr, limit),
    ]);
    await removeAll(Object.values(files).filter((f): f is string => f !== undefined));
    if (outcome.kind === 'done') this.#cwd = outcome.marker.cwd || this.#cwd;
    else this.#retire();
    return { outcome, stdout, stderr };
  }

  async #ensureShell(): Promise<SessionShell> {
    if (this.#shell?.alive) return this.#shell;
    this.#retire();
    const cwd = existsSync(this.#cwd) ? this.#cwd : '/';
    this.#shell = await SessionShell.start(cwd, { ...this.#env, PWD: cwd }, this.#nonce);
    return this.#shell;
  }

  /** Forget a shell that ended: the next call starts afresh from the session's own state. */
  #retire(): void {
    if (!this.#shell) return;
    this.#oldGroups.add(this.#shell.pid);
    this.#shell = undefined;
    this.#cwd = this.#config.cwd;
  }
}

function resultOf(ran: Ran, duration: number, timeout: number | undefined): ExecResult {
  const { outcome, stdout, stderr } = ran;
  const fitted = fitStreams(stdout.text(), stderr.text(), MAX_JSON_BODY_BYTES - ENVELOPE_BYTES);
  const truncated = fitted.cut || stdout.truncated || stderr.truncated;
  if (outcome.kind === 'timedOut') {
    const details = { stdout: fitted.stdout, stderr: fitted.stderr, duration, truncated };
    throw new PaddockError(
      'COMMAND_TIMEOUT',
      `command timed out after ${timeout ?? 0} ms; the session's shell was ended and starts afresh on its next call`,
      details,
    );
  }
  const exitCode =
    outcome.kind === 'done'
      ? outcome.marker.status
      : outcome.kind === 'exited'
        ? outcome.status
        : 137;
  const result: ExecResult = {
    success: exitCode === 0,
    exitCode,
    stdout: fitted.stdout,
    stderr: fitted.stderr,
    duration,
  };
  if (truncated) result.truncated = true;
  return result;
}
