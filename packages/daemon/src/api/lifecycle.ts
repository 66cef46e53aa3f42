/** Lifecycle routes of a sandbox: sleep, wake, pause, resume and its lifecycle settings. */
import { sandboxInfoSchema, updateSandboxSchema } from '@paddock/protocol';
import type { SandboxService } from '../core/sandbox-service.js';
import { route, type Route } from './route.js';

const byId = '/v1/sandboxes/{id}';

export function lifecycleRoutes(core: SandboxService): Route[] {
  const verb = (
    name: string,
    summary: string,
    fn: (tenant: string, id: string) => Promise<unknown>,
  ) =>
    route({
      method: 'POST',
      path: `${byId}/${name}`,
      summary,
      auth: true,
      reply: sandboxInfoSchema,
      handle: ({ tenant, params }) => fn(tenant, params['id'] as string),
    });
  return [
    verb('sleep', 'Sleep now: stop its runtime, keep its disk (the next call wakes it)', (t, i) =>
      core.sleep(t, i),
    ),
    verb('wake', 'Wake a sleeping or paused sandbox (any call does this too)', (t, i) =>
      core.wake(t, i),
    ),
    verb('pause', 'Freeze every process, keeping memory (the next call resumes it)', (t, i) =>
      core.pause(t, i),
    ),
    verb('resume', 'Resume a paused sandbox (the same as wake)', (t, i) => core.wake(t, i)),
    route({
      method: 'POST',
      path: `${byId}/settings`,
      summary: 'Change keepAlive or sleepAfter (the idle timer restarts)',
      auth: true,
      body: updateSandboxSchema,
      reply: sandboxInfoSchema,
      handle: ({ tenant, params, body }) => core.update(tenant, params['id'] as string, body),
    }),
  ];
}
