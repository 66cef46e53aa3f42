/**
 * runc (and runsc, which takes the same verbs) driven as a program. The runtime keeps its state
 * under `root` in the data directory, so a restarted daemon finds its sandboxes.
 */
import { closeSync, openSync, readFileSync } from 'node:fs';
import { HostCommandError, run, start, tryRun } from './run.js';

export interface OciRuntime {
  /** Program: runc or runsc. */
  binary: string;
  /** Global flags placed before the verb (e.g. --root, --platform). */
  globalArgs: readonly string[];
}

export interface RuntimeState {
  status: 'creating' | 'created' | 'running' | 'paused' | 'stopped';
  pid: number;
}

/** Start a container detached; its stdout and stderr go to `logFile`. */
export async function runDetached(
  rt: OciRuntime,
  bundle: string,
  id: string,
  logFile: string,
): Promise<void> {
  const argv = [...rt.globalArgs, 'run', '--detach', '--bundle', bundle, id];
  const fd = openSync(logFile, 'a', 0o600);
  try {
    const child = start(rt.binary, argv, { stdio: ['ignore', fd, fd] });
    const code = await new Promise<number | null>((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', (c) => resolve(c));
    });
    if (code !== 0) throw new HostCommandError([rt.binary, ...argv], code, logTail(logFile));
  } finally {
    closeSync(fd);
  }
}

export async function state(rt: OciRuntime, id: string): Promise<RuntimeState | undefined> {
  try {
    const out = await run(rt.binary, [...rt.globalArgs, 'state', id]);
    const parsed = JSON.parse(out) as { status: RuntimeState['status']; pid: number };
    return { status: parsed.status, pid: parsed.pid };
  } catch (err) {
    if (err instanceof HostCommandError) return undefined;
    throw err;
  }
}

/** Kill every process of the container and remove it; idempotent. */
export async function forceDelete(rt: OciRuntime, id: string): Promise<void> {
  // A frozen container's processes cannot die until thawed.
  if ((await state(rt, id))?.status === 'paused')
    await tryRun(rt.binary, [...rt.globalArgs, 'resume', id]);
  await tryRun(rt.binary, [...rt.globalArgs, 'kill', '--all', id, 'KILL']);
  const err = await tryRun(rt.binary, [...rt.globalArgs, 'delete', '--force', id]);
  if (err && (await state(rt, id))) throw err;
}

/** Freeze the container's processes (runc: the cgroup freezer; runsc: its Sentry stops them). */
export async function pause(rt: OciRuntime, id: string): Promise<void> {
  await run(rt.binary, [...rt.globalArgs, 'pause', id]);
}

export async function resume(rt: OciRuntime, id: string): Promise<void> {
  await run(rt.binary, [...rt.globalArgs, 'resume', id]);
}

export async function list(rt: OciRuntime): Promise<string[]> {
  const out = await run(rt.binary, [...rt.globalArgs, 'list', '--format', 'json']);
  const parsed = JSON.parse(out || 'null') as Array<{ id: string }> | null;
  return (parsed ?? []).map((c) => c.id);
}

/** The last lines of a runtime log, for error messages (the log itself goes with the sandbox). */
function logTail(file: string): string {
  try {
    return readFileSync(file, 'utf8').slice(-2000);
  } catch {
    return `(no log at ${file})`;
  }
}

/**
 * Set a running container's host name from outside (a claimed warm-pool sandbox takes its id,
 * before any user code ran in it). runc: the host's `hostname` run in the UTS namespace of `pid`,
 * a process of the container, and nothing else of it (no file of the sandbox is used). runsc:
 * its UTS namespace lives in the Sentry, so `hostname` runs inside the sandbox with
 * CAP_SYS_ADMIN for that one process, as the runtime's own exec.
 */
export async function setHostname(
  rt: OciRuntime,
  id: string,
  hostname: string,
  pid: number | undefined,
): Promise<void> {
  if (rt.binary === 'runsc') {
    const argv = [...rt.globalArgs, 'exec', '--cap', 'CAP_SYS_ADMIN', id, 'hostname', hostname];
    await run(rt.binary, argv);
    return;
  }
  const target = pid ?? (await state(rt, id))?.pid;
  if (target === undefined) throw new Error(`the runtime has no record of ${id}`);
  await run('nsenter', ['--target', String(target), '--uts', 'hostname', hostname]);
}
