/** The QEMU process of one VM from the host's side: its PID file, liveness, stop, its cgroup. */
import { readFile } from 'node:fs/promises';
import { cgroupExists, removeCgroup } from '../../host/cgroups.js';
import { isQemuOf, killProcess } from '../../host/qemu.js';
import { qmpCommand } from '../../host/qmp.js';

export async function readPid(file: string): Promise<number | undefined> {
  const pid = Number((await readFile(file, 'utf8').catch(() => '')).trim());
  return Number.isInteger(pid) && pid > 1 ? pid : undefined;
}

export async function processExists(pid: number): Promise<boolean> {
  return readFile(`/proc/${pid}/stat`, 'utf8').then(
    (s) => !/\) Z /.test(s),
    () => false,
  );
}

/** QMP quit, then SIGKILL by PID; waits until the process is gone. */
export async function stopQemu(pid: number, name: string, qmpSocket: string): Promise<void> {
  // Before QEMU has exec'ed (a failed create), the PID is still the jail's set-up chain.
  if (await isQemuOf(pid, name)) await qmpCommand(qmpSocket, 'quit', 1000).catch(() => undefined);
  for (let i = 0; i < 100 && (await processExists(pid)); i++) {
    if (i === 10) killProcess(pid);
    await new Promise((r) => setTimeout(r, 50));
  }
  if (await processExists(pid)) throw new Error(`QEMU ${pid} of ${name} would not exit`);
}

/** A just-killed process may take a moment to leave its cgroup. */
export async function removeCgroupPatiently(path: string): Promise<void> {
  for (let i = 0; i < 40; i++) {
    const err = await removeCgroup(path).catch((e: unknown) => e);
    if (err === undefined && !(await cgroupExists(path))) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  await removeCgroup(path);
}
