/**
 * Sandbox lifecycle states and the transitions between them. The daemon's core refuses any
 * operation that is not legal in the current state with INVALID_STATE.
 */

export const SANDBOX_STATES = [
  'creating',
  'running',
  'sleeping',
  'stopping',
  'stopped',
  'failed',
] as const;

export type SandboxState = (typeof SANDBOX_STATES)[number];

const TRANSITIONS: Record<SandboxState, readonly SandboxState[]> = {
  creating: ['running', 'failed', 'stopping'],
  running: ['sleeping', 'stopping', 'failed'],
  sleeping: ['running', 'stopping', 'failed'],
  stopping: ['stopped', 'failed'],
  stopped: ['creating', 'stopping'],
  failed: ['stopping'],
};

export function canTransition(from: SandboxState, to: SandboxState): boolean {
  return TRANSITIONS[from].includes(to);
}

/** States in which the sandbox's agent may be called. */
export function acceptsWork(state: SandboxState): boolean {
  return state === 'running';
}
