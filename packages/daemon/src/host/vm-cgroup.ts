/**
 * The cgroup around one microVM's QEMU process: a CPU limit (the sandbox's cpuMillis), a memory
 * limit (guest RAM plus QEMU's own overhead) and a task limit. Same path as the jail's
 * (`/paddock/<name>`) so removeCgroup and the leak checks cover it; cgroup v1 or v2.
 */
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cgroupDirs } from './cgroups.js';

const CGROUP_ROOT = '/sys/fs/cgroup';
const PERIOD_US = 100_000;

export interface VmCgroupLimits {
  cpuMillis: number;
  memoryBytes: number;
  tasks: number;
}

/** v1: the controllers that take limits; values by file name. */
function v1Files(l: VmCgroupLimits): Record<string, Record<string, string>> {
  return {
    cpu: { 'cpu.cfs_period_us': String(PERIOD_US), 'cpu.cfs_quota_us': String(quota(l)) },
    memory: { 'memory.limit_in_bytes': String(l.memoryBytes) },
    pids: { 'pids.max': String(l.tasks) },
  };
}

function quota(l: VmCgroupLimits): number {
  return Math.max(1000, Math.round((l.cpuMillis * PERIOD_US) / 1000));
}

async function isV2(): Promise<boolean> {
  return (await readdir(CGROUP_ROOT).catch(() => [] as string[])).includes('cgroup.controllers');
}

export async function createVmCgroup(cgroupsPath: string, l: VmCgroupLimits): Promise<void> {
  const rel = cgroupsPath.replace(/^\/+/, '');
  if (await isV2()) {
    // Each level's children get the controllers only if the level enables them.
    const parts = rel.split('/');
    for (let i = 0; i < parts.length; i++) {
      const dir = join(CGROUP_ROOT, ...parts.slice(0, i));
      await writeFile(join(dir, 'cgroup.subtree_control'), '+cpu +memory +pids');
      await mkdir(join(dir, parts[i] ?? ''), { recursive: true });
    }
    const dir = join(CGROUP_ROOT, rel);
    await writeFile(join(dir, 'cpu.max'), `${quota(l)} ${PERIOD_US}`);
    await writeFile(join(dir, 'memory.max'), String(l.memoryBytes));
    await writeFile(join(dir, 'pids.max'), String(l.tasks));
    return;
  }
  for (const [controller, files] of Object.entries(v1Files(l))) {
    const dir = join(CGROUP_ROOT, controller, rel);
    await mkdir(dir, { recursive: true });
    for (const [file, value] of Object.entries(files)) await writeFile(join(dir, file), value);
  }
}

/** Move a process into every hierarchy of the cgroup that exists. */
export async function joinCgroup(cgroupsPath: string, pid: number): Promise<void> {
  for (const dir of await cgroupDirs(cgroupsPath)) {
    await writeFile(join(dir, 'cgroup.procs'), String(pid)).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err;
    });
  }
}
