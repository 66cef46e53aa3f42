/**
 * The memory limit's OOM killer must pick the user's hog, not the sandbox's init or agent. runc
 * 1.1 cannot lower oom_score_adj inside a user namespace, so the host does it for the processes
 * present right after start (init, then whatever it has forked: the agent). Not -1000: a
 * leaking agent stays killable as a last resort. Lowering a score needs CAP_SYS_RESOURCE; where
 * the daemon lacks it this step is skipped, and the agent's own measure (it raises its
 * commands' scores) still makes a hog the OOM killer's choice.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { cgroupDirs } from './cgroups.js';

export const INIT_OOM_SCORE_ADJ = -998;

/** Returns false when the host does not allow lowering scores (no CAP_SYS_RESOURCE). */
export async function protectInitFromOom(initPid: number, cgroupsPath: string): Promise<boolean> {
  if (!(await setScore(initPid))) return false;
  for (const pid of await cgroupPids(cgroupsPath)) await setScore(pid);
  return true;
}

async function setScore(pid: number): Promise<boolean> {
  try {
    await writeFile(`/proc/${pid}/oom_score_adj`, String(INIT_OOM_SCORE_ADJ));
    return true;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EACCES' || code === 'EPERM') return false;
    // A process that already exited needs no protection.
    if (code === 'ESRCH' || code === 'ENOENT') return true;
    throw err;
  }
}

async function cgroupPids(cgroupsPath: string): Promise<number[]> {
  for (const dir of await cgroupDirs(cgroupsPath)) {
    try {
      const text = await readFile(`${dir}/cgroup.procs`, 'utf8');
      return text.split('\n').filter(Boolean).map(Number);
    } catch {
      // a controller this cgroup is not in
    }
  }
  return [];
}
