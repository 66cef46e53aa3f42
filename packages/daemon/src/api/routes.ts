/** Every API route of the daemon, in one table (the server, OpenAPI and tests read it). */
import type { DaemonConfig } from '../config.js';
import type { PreviewService } from '../core/previews.js';
import type { SandboxService } from '../core/sandbox-service.js';
import type { KeyStore } from '../store/keys.js';
import type { QuotaStore } from '../store/quotas.js';
import type { SandboxStore } from '../store/sandboxes.js';
import type { Route } from './route.js';
import { sandboxRoutes } from './sandboxes.js';
import { keyRoutes } from './keys.js';
import { sessionRoutes } from './sessions.js';
import { processRoutes } from './processes.js';
import { fileStreamRoutes } from './file-streams.js';
import { ptyRoutes } from './pty.js';
import { watchRoutes } from './watch.js';
import { previewRoutes } from './previews.js';
import { interpreterRoutes } from './interpreter.js';
import { lifecycleRoutes } from './lifecycle.js';
import { quotaRoutes } from './quotas.js';

export interface RouteDeps {
  core: SandboxService;
  keys: KeyStore;
  previews: PreviewService;
  quotas: QuotaStore;
  sandboxes: SandboxStore;
  config: Pick<DaemonConfig, 'quota'>;
}

export function apiRoutes({ core, keys, previews, quotas, sandboxes, config }: RouteDeps): Route[] {
  return [
    ...sandboxRoutes(core),
    ...sessionRoutes(core),
    ...processRoutes(core),
    ...fileStreamRoutes(core),
    ...ptyRoutes(core),
    ...watchRoutes(core),
    ...interpreterRoutes(core),
    ...keyRoutes(keys),
    ...previewRoutes(previews),
    ...lifecycleRoutes(core),
    ...quotaRoutes({ quotas, sandboxes, defaults: config.quota }),
  ];
}
