/**
 * Ending a session's processes: its shell's process group, and every descendant of the shell
 * found in /proc (those that left the group with setsid). Descendants are collected before
 * anything is killed, because once the shell dies its children are re-parented to init.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** pid -> parent pid for every process visible in /proc. */
function parentMap(): Map<number, number> {
  const parents = new Map<number, number>();
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return parents;
  }
  for (const name of entries) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      // The command name may hold spaces and parentheses: fields start after the last ')'.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      parents.set(Number(name), Number(fields[1]));
    } catch {
      // Exited while we looked.
    }
  }
  return parents;
}

export function descendantsOf(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const [pid, ppid] of parentMap()) {
    const list = children.get(ppid) ?? [];
    list.push(pid);
    children.set(ppid, list);
  }
  const out: number[] = [];
  const queue = [root];
  while (queue.length > 0) {
    const pid = queue.shift() as number;
    for (const child of children.get(pid) ?? []) {
      out.push(child);
      queue.push(child);
    }
  }
  return out;
}

function signal(target: number): void {
  try {
    process.kill(target, 'SIGKILL');
  } catch {
    // Gone already.
  }
}

/** SIGKILL the group led by `pid` (if still alive, its descendants too) and `extraGroups`. */
export function killSessionTree(pid: number | undefined, extraGroups: Iterable<number> = []): void {
  const targets = pid === undefined ? [] : descendantsOf(pid);
  if (pid !== undefined && pid > 0) signal(-pid);
  for (const group of extraGroups) if (group > 0) signal(-group);
  for (const t of targets) signal(t);
}
