/**
 * Per-sandbox limits the daemon enforces itself (the kernel and runtime enforce the rest): the
 * command-duration cap, concurrent background processes and sessions, and the sanity of a disk's
 * inode count against its size.
 */
import { PaddockError, type Limits } from '@paddock/protocol';
import type { AgentClient } from '../agent-link/client.js';

const MiB = 1024 * 1024;
/** ext4 inode size; at most half a disk may go to inode tables. */
const INODE_BYTES = 256;

export function checkLimits(limits: Limits): void {
  const most = Math.floor((limits.diskMiB * MiB) / 2 / INODE_BYTES);
  if (limits.inodes > most) {
    throw new PaddockError(
      'VALIDATION_FAILED',
      `body.limits.inodes ${limits.inodes} is too many for a ${limits.diskMiB} MiB disk (at most ${most})`,
      { field: 'body.limits.inodes' },
    );
  }
}

/** A command's timeout: what it asked for, never past the sandbox's maxCommandMs. */
export function cappedTimeout(asked: number | undefined, limits: Limits): number {
  return Math.min(asked ?? limits.maxCommandMs, limits.maxCommandMs);
}

/** Refuses a new background process when maxProcesses are running. */
export async function checkProcessRoom(agent: AgentClient, limits: Limits): Promise<void> {
  const { processes } = await agent.call('listProcesses', {});
  const running = processes.filter((p) => p.status === 'running');
  if (running.length >= limits.maxProcesses) {
    throw new PaddockError(
      'PROCESS_LIMIT_REACHED',
      `The sandbox already runs ${running.length} background processes (maxProcesses ${limits.maxProcesses})`,
      { limit: 'maxProcesses', used: running.length, max: limits.maxProcesses },
    );
  }
}

/** Refuses a new session when maxSessions are open. */
export async function checkSessionRoom(agent: AgentClient, limits: Limits): Promise<void> {
  const { sessions } = await agent.call('listSessions', {});
  if (sessions.length >= limits.maxSessions) {
    throw new PaddockError(
      'SESSION_LIMIT_REACHED',
      `The sandbox has ${sessions.length} sessions open (maxSessions ${limits.maxSessions})`,
      { limit: 'maxSessions', used: sessions.length, max: limits.maxSessions },
    );
  }
}
