/**
 * Removal of a sandbox's cgroups when its runtime did not (a crash, a killed runtime). Handles
 * cgroup v1 controllers and a pure v2 hierarchy. Only rmdir: a cgroup with tasks stays.
 */
import { readFile, readdir, rmdir } from 'node:fs/promises';

const CGROUP_ROOT = '/sys/fs/cgroup';

/** The directories `cgroupsPath` occupies on this host. */
export async function cgroupDirs(cgroupsPath: string): Promise<string[]> {
  const rel = cgroupsPath.replace(/^\/+/, '');
  let entries: string[];
  try {
    entries = await readdir(CGROUP_ROOT);
  } catch {
    return [];
  }
  if (entries.includes('cgroup.controllers')) return [`${CGROUP_ROOT}/${rel}`];
  return entries.map((controller) => `${CGROUP_ROOT}/${controller}/${rel}`);
}

export async function removeCgroup(cgroupsPath: string): Promise<void> {
  for (const dir of await cgroupDirs(cgroupsPath)) {
    try {
      await rmdir(dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
}

export async function cgroupExists(cgroupsPath: string): Promise<boolean> {
  for (const dir of await cgroupDirs(cgroupsPath)) {
    try {
      await readdir(dir);
      return true;
    } catch {
      // not in this controller
    }
  }
  return false;
}

/** The pids in a cgroup (its first controller directory that has any), lowest first. */
export async function cgroupPids(cgroupsPath: string): Promise<number[]> {
  for (const dir of await cgroupDirs(cgroupsPath)) {
    const text = await readFile(`${dir}/cgroup.procs`, 'utf8').catch(() => '');
    const pids = text.split('\n').filter(Boolean).map(Number);
    if (pids.length > 0) return pids.sort((a, b) => a - b);
  }
  return [];
}
