/** A sandbox's usage from its cgroup and its disk file: the same for every backend. */
import { cgroupUsage, diskFileUsage } from '../host/cgroup-stats.js';
import type { SandboxUsage } from './backend.js';

export async function sandboxUsage(cgroupsPath: string, diskFile: string): Promise<SandboxUsage> {
  const [cg, disk] = await Promise.all([cgroupUsage(cgroupsPath), diskFileUsage(diskFile)]);
  return { ...cg, diskUsedBytes: disk.used, diskLimitBytes: disk.size };
}
