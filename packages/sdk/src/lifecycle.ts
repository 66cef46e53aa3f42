/**
 * A sandbox's lifecycle calls: sleep (runtime stopped, disk kept), wake, pause (memory kept),
 * resume and its settings (keepAlive, sleepAfter). Sandbox delegates here.
 */
import type { Duration, SandboxInfo, UpdateSandboxRequest } from '@paddock/protocol';
import { sandboxPath, type Paddock } from './client.js';

export type LifecycleVerb = 'sleep' | 'wake' | 'pause' | 'resume';

/** POST /v1/sandboxes/{id}/{verb}; resolves to the sandbox's info after it. */
export function lifecycleCall(
  client: Paddock,
  id: string,
  verb: LifecycleVerb,
): Promise<SandboxInfo> {
  return client.request<SandboxInfo>('POST', sandboxPath(id, `/${verb}`), { body: {} });
}

/** POST /v1/sandboxes/{id}/settings. */
export function updateSettings(
  client: Paddock,
  id: string,
  settings: UpdateSandboxRequest,
): Promise<SandboxInfo> {
  return client.request<SandboxInfo>('POST', sandboxPath(id, '/settings'), { body: settings });
}

export type { Duration };
