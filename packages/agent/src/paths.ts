import { resolve } from 'node:path';

/**
 * The absolute form of a path from a request: absolute paths stay (normalised), relative ones
 * start at the workspace. No confinement: the agent sees only its own sandbox's filesystem.
 */
export function resolveInWorkspace(workspaceDir: string, path: string): string {
  return resolve(workspaceDir, path);
}
