/** What every hostile test file uses: the daemons of the run, clients, and in-sandbox probes. */
import { inject } from 'vitest';
import { Paddock, PaddockError, type Sandbox } from '@paddock/sdk';
import type { HostileDaemon } from './global-setup.js';

export type { HostileDaemon };

export const codeOf = (e: unknown): string => (PaddockError.is(e) ? e.code : String(e));

/** The OCI backends: every attack runs on them. */
export const OCI_BACKENDS = ['jail', 'gvisor'] as const;
/**
 * Every backend: attacks on what the host exposes to a sandbox (network, file API) also run on
 * the microVM, whose in-guest kernel answers for the rest.
 */
export const EVERY_BACKEND = [...OCI_BACKENDS, 'microvm'] as const;

export function daemons(only: readonly string[] = OCI_BACKENDS): HostileDaemon[] {
  return inject('hostile').filter((d) => only.includes(d.backend));
}

export function daemonFor(backend: string): HostileDaemon {
  const d = daemons().find((x) => x.backend === backend);
  if (!d) throw new Error(`no hostile daemon for ${backend}`);
  return d;
}

export function adminOf(d: HostileDaemon): Paddock {
  return new Paddock({ url: d.url, apiKey: d.apiKey });
}

/** A fresh tenant with its own key on a daemon. */
export async function tenant(
  d: HostileDaemon,
  name: string,
): Promise<{ client: Paddock; key: string }> {
  const k = await adminOf(d).createKey({ tenant: name, name });
  return { client: new Paddock({ url: d.url, apiKey: k.key }), key: k.key };
}

/**
 * A Python helper written into a sandbox: `sys NAME ARGS...` makes one raw syscall through libc
 * and prints `ok <ret>` or the errno's name, so a test asserts the exact refusal.
 */
const SYSCALL_PY = `
import ctypes, errno, os, sys
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
def arg(a):
    if a.startswith('s:'): return ctypes.c_char_p(a[2:].encode())
    return ctypes.c_long(int(a, 0))
nr, args = int(sys.argv[1], 0), [arg(a) for a in sys.argv[2:]]
r = libc.syscall(nr, *args)
if r == 0 and nr in (56, 57, 58):
    os._exit(0)  # a clone that succeeded: the child leaves at once
e = ctypes.get_errno()
print('ok %d' % r if r >= 0 else errno.errorcode.get(e, str(e)))
`;

export async function installProbe(sb: Sandbox): Promise<void> {
  await sb.writeFile('/opt/hostile-syscall.py', SYSCALL_PY);
}

/** Runs one raw syscall (x86-64 number) in the sandbox: 'ok N' or the errno name. */
export async function syscall(sb: Sandbox, nr: number, ...args: string[]): Promise<string> {
  const r = await sb.exec(['python3', '/opt/hostile-syscall.py', String(nr), ...args]);
  return r.stdout.trim() || `exit ${r.exitCode}: ${r.stderr.trim()}`;
}

/** A shell command's stderr and exit code, for refusals that programs report in words. */
export async function shell(sb: Sandbox, command: string): Promise<string> {
  const r = await sb.exec(command, { timeout: 30_000 });
  return `${r.stdout}${r.stderr}`.trim() + ` (exit ${r.exitCode})`;
}
