/**
 * Killing a process tree. A process group is not enough: a descendant that called setsid() has
 * left the group, so descendants are also found by walking /proc (parent links). The signal goes
 * to the group and to every member found; whatever is still alive after the grace period gets
 * SIGKILL, including children forked meanwhile.
 */
import { readFileSync, readdirSync } from 'node:fs';

interface ProcStat {
  pid: number;
  ppid: number;
  pgrp: number;
  /** A zombie has exited already; it only waits for its parent to reap it. */
  zombie: boolean;
  /** Start time in clock ticks since boot: tells a live pid from a reused one. */
  start: string;
}

/** Fields of /proc/<pid>/stat; the command name (2nd field) may hold spaces and parentheses. */
export function parseStat(text: string): ProcStat | undefined {
  const close = text.lastIndexOf(')');
  if (close === -1) return undefined;
  const f = text
    .slice(close + 2)
    .trim()
    .split(' ');
  // After the name: state(0) ppid(1) pgrp(2) ... starttime(19)
  const pid = Number.parseInt(text, 10);
  const ppid = Number(f[1]);
  const pgrp = Number(f[2]);
  const start = f[19];
  if (!Number.isInteger(pid) || !Number.isInteger(ppid) || start === undefined) return undefined;
  return { pid, ppid, pgrp, zombie: f[0] === 'Z', start };
}

function snapshot(): ProcStat[] {
  const out: ProcStat[] = [];
  let names: string[];
  try {
    names = readdirSync('/proc');
  } catch {
    return out; // no /proc: only the group signal is possible
  }
  for (const name of names) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const st = parseStat(readFileSync(`/proc/${name}/stat`, 'utf8'));
      if (st) out.push(st);
    } catch {
      // Exited while we looked.
    }
  }
  return out;
}

/** Members of `roots`' group(s) and all their descendants, with their start times. */
export function treeOf(roots: ReadonlyMap<number, string | undefined>): Map<number, string> {
  const procs = snapshot();
  const found = new Map<number, string>();
  const children = new Map<number, ProcStat[]>();
  for (const p of procs) {
    const list = children.get(p.ppid) ?? [];
    list.push(p);
    children.set(p.ppid, list);
  }
  const queue: ProcStat[] = [];
  for (const p of procs) {
    const known = roots.get(p.pid);
    // A root counts only if it is the same process (not a reused pid), or a fresh group member.
    if ((roots.has(p.pid) && (known === undefined || known === p.start)) || roots.has(-p.pgrp)) {
      queue.push(p);
    }
  }
  while (queue.length > 0) {
    const p = queue.pop() as ProcStat;
    if (p.pid === process.pid || found.has(p.pid)) continue; // never the agent itself
    if (!p.zombie) found.set(p.pid, p.start);
    queue.push(...(children.get(p.pid) ?? []));
  }
  return found;
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // Gone already, or never ours.
  }
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export interface TreeKillOptions {
  signal: NodeJS.Signals;
  graceMs: number;
  /** Resolves early once the leader has exited and nothing of the tree is left. */
  leaderExited: () => boolean;
}

/** Signal the tree of `leader` (a group leader), then SIGKILL what is left after the grace. */
export async function killTree(leader: number, opts: TreeKillOptions): Promise<void> {
  // Negative keys name a process group: members are matched by group id.
  const group = new Map<number, string | undefined>([[-leader, undefined]]);
  let tree = treeOf(new Map([...group, [leader, undefined]]));
  // From here on pids are matched with their start times, so a reused pid is never signalled.
  const roots = new Map([...group, ...tree]);
  signal(-leader, opts.signal);
  for (const pid of tree.keys()) signal(pid, opts.signal);
  if (opts.signal !== 'SIGKILL') {
    const deadline = Date.now() + opts.graceMs;
    while (Date.now() < deadline) {
      await sleep(Math.min(100, opts.graceMs));
      tree = treeOf(new Map([...roots, ...tree]));
      if (tree.size === 0 && opts.leaderExited()) return;
    }
  }
  tree = treeOf(new Map([...roots, ...tree]));
  signal(-leader, 'SIGKILL');
  for (const pid of tree.keys()) signal(pid, 'SIGKILL');
}
