/**
 * The one place the daemon starts host programs (ip, nft, mount, runc, mkfs...). Arguments are
 * always argv arrays, never shell strings.
 */
import { execFile, spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';

export class HostCommandError extends Error {
  constructor(
    readonly argv: readonly string[],
    readonly exitCode: number | null,
    readonly stderr: string,
  ) {
    super(
      `${argv.join(' ')} failed (exit ${exitCode ?? 'signal'}): ${stderr.trim().slice(0, 2000)}`,
    );
    this.name = 'HostCommandError';
  }
}

export interface RunOptions {
  timeoutMs?: number;
  input?: string;
  env?: NodeJS.ProcessEnv;
  /** How stdout is decoded (latin1 keeps binary output byte for byte); utf8 by default. */
  encoding?: BufferEncoding;
}

/** Run a program to completion; resolves with stdout, rejects with HostCommandError. */
export function run(file: string, args: readonly string[], opts: RunOptions = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      file,
      [...args],
      {
        timeout: opts.timeoutMs ?? 60_000,
        maxBuffer: 64 * 1024 * 1024,
        env: opts.env,
        encoding: opts.encoding ?? 'utf8',
        killSignal: 'SIGKILL',
      },
      (err, stdout, stderr) => {
        if (!err) return resolve(stdout);
        const code = typeof err.code === 'number' ? err.code : null;
        reject(new HostCommandError([file, ...args], code, stderr || err.message));
      },
    );
    // The program may exit before reading its input; that is its answer, not a daemon error.
    child.stdin?.on('error', () => undefined);
    if (opts.input === undefined) child.stdin?.end();
    else child.stdin?.end(opts.input);
  });
}

/** Like run, but a failure is returned rather than thrown (for idempotent clean-up steps). */
export async function tryRun(
  file: string,
  args: readonly string[],
  opts: RunOptions = {},
): Promise<HostCommandError | undefined> {
  try {
    await run(file, args, opts);
    return undefined;
  } catch (err) {
    if (err instanceof HostCommandError) return err;
    throw err;
  }
}

/** Start a long-running program; the caller owns the child. */
export function start(file: string, args: readonly string[], opts: SpawnOptions): ChildProcess {
  return spawn(file, [...args], opts);
}

/** Run a program, handing each line of its output to `onLine` as it comes (build progress). */
export async function runStreaming(
  file: string,
  args: readonly string[],
  onLine: (line: string) => void,
): Promise<void> {
  const child = spawn(file, [...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const tail: string[] = [];
  const feed = (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n')) {
      if (!line.trim()) continue;
      onLine(line);
      tail.push(line);
      if (tail.length > 20) tail.shift();
    }
  };
  child.stdout?.on('data', feed);
  child.stderr?.on('data', feed);
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (c) => resolve(c));
  });
  if (code !== 0) throw new HostCommandError([file, ...args], code, tail.join('\n'));
}

/**
 * Run a program under a watchdog: killed by its PID (SIGKILL) when the deadline passes. Resolves
 * with 'timeout', or how it ended ('exit N' / the signal).
 */
export function runWithDeadline(
  file: string,
  args: readonly string[],
  timeoutMs: number,
): Promise<string> {
  return new Promise((resolve) => {
    const child = spawn(file, [...args], { stdio: 'ignore' });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.once('error', (err) => {
      clearTimeout(timer);
      resolve(`failed to start: ${err.message}`);
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      resolve(timedOut ? 'timeout' : code !== null ? `exit ${code}` : `signal ${signal ?? '?'}`);
    });
  });
}
