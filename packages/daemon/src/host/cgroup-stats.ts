/**
 * What a sandbox's cgroup (`/paddock/<name>`, every backend) and disk file say it uses: CPU time,
 * memory (all of it, and its anonymous part), tasks; the disk file's allocated bytes. Read-only;
 * cgroup v1 controllers or a v2 hierarchy. Values the kernel does not offer are 0.
 */
import { readFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';

const CGROUP_ROOT = '/sys/fs/cgroup';

export interface CgroupUsage {
  cpuNanos: number;
  memoryBytes: number;
  /** Anonymous memory (what the processes hold, without page cache). */
  memoryRssBytes: number;
  memoryLimitBytes: number;
  tasks: number;
}

async function readNumber(file: string): Promise<number> {
  try {
    const n = Number((await readFile(file, 'utf8')).trim().split(/\s+/)[0]);
    return Number.isFinite(n) ? n : 0;
  } catch {
    return 0;
  }
}

/** `key value` lines (memory.stat, cpu.stat) as a map. */
export function parseStatLines(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const [k, v] = line.split(' ');
    if (k && v !== undefined && Number.isFinite(Number(v))) out.set(k, Number(v));
  }
  return out;
}

async function statFile(file: string): Promise<Map<string, number>> {
  return parseStatLines(await readFile(file, 'utf8').catch(() => ''));
}

export async function cgroupUsage(cgroupsPath: string): Promise<CgroupUsage> {
  const rel = cgroupsPath.replace(/^\/+/, '');
  const top = await readdir(CGROUP_ROOT).catch(() => [] as string[]);
  if (top.includes('cgroup.controllers')) return v2Usage(join(CGROUP_ROOT, rel));
  const at = (controller: string, file: string) => join(CGROUP_ROOT, controller, rel, file);
  const mem = await statFile(at('memory', 'memory.stat'));
  return {
    cpuNanos: await readNumber(at('cpuacct', 'cpuacct.usage')),
    memoryBytes: await readNumber(at('memory', 'memory.usage_in_bytes')),
    memoryRssBytes: mem.get('total_rss') ?? mem.get('rss') ?? 0,
    memoryLimitBytes: await readNumber(at('memory', 'memory.limit_in_bytes')),
    tasks: await readNumber(at('pids', 'pids.current')),
  };
}

async function v2Usage(dir: string): Promise<CgroupUsage> {
  const cpu = await statFile(join(dir, 'cpu.stat'));
  const mem = await statFile(join(dir, 'memory.stat'));
  return {
    cpuNanos: (cpu.get('usage_usec') ?? 0) * 1000,
    memoryBytes: await readNumber(join(dir, 'memory.current')),
    memoryRssBytes: mem.get('anon') ?? 0,
    memoryLimitBytes: await readNumber(join(dir, 'memory.max')),
    tasks: await readNumber(join(dir, 'pids.current')),
  };
}

/** Bytes a sparse disk file really occupies on the host, and its size (the quota). */
export async function diskFileUsage(file: string): Promise<{ used: number; size: number }> {
  try {
    const st = await stat(file);
    return { used: st.blocks * 512, size: st.size };
  } catch {
    return { used: 0, size: 0 };
  }
}
