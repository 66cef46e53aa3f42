/**
 * The composition root: builds the object graph from the config with plain constructors and
 * starts listening. The daemon's only reader of the data directory layout.
 */
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { agentClient } from './agent-link/client.js';
import { agentExecStream } from './agent-link/stream.js';
import { createApiServer } from './api/server.js';
import { startPreviews } from './preview/start.js';
import { PreviewStore } from './store/previews.js';
import { authenticate, hashKey, newApiKey } from './auth/api-keys.js';
import { QuotaStore } from './store/quotas.js';
import { RateLimiter } from './auth/rate-limit.js';
import { selectBackend } from './backends/select.js';
import type { DaemonConfig } from './config.js';
import { metaRoutes } from './api/meta.js';
import { ptyUpgrade } from './api/pty.js';
import { SandboxService } from './core/sandbox-service.js';
import { apiRoutes } from './api/routes.js';
import { WarmPool } from './core/pool.js';
import { Snapshots } from './core/snapshots.js';
import { poolClasses } from './pool-config.js';
import { installFirewall, removeFirewall } from './host/netns.js';
import { HostEgress, hostNetFacts } from './host/egress.js';
import { DnsResolver } from './dns/resolver.js';
import { ensureImage } from './image/build.js';
import { defaultRecipe } from './image/recipe.js';
import type { Logger } from './log.js';
import { parseSubnet, subnetCidr, type Subnet } from './net/plan.js';
import { openDb, type Db } from './store/db.js';
import { KeyStore } from './store/keys.js';
import { SandboxStore } from './store/sandboxes.js';
import { VERSION } from './version.js';

export interface RunningDaemon {
  url: string;
  close(): Promise<void>;
}

export async function prepareImage(config: DaemonConfig, progress: (line: string) => void) {
  return ensureImage({
    imageDir: config.imageDir,
    recipe: defaultRecipe(config.mirror, config.hostIdBase),
    agentBundle: config.agentBundle,
    progress,
  });
}

export async function startDaemon(
  config: DaemonConfig,
  log: Logger,
  announce: (line: string) => void,
): Promise<RunningDaemon> {
  await mkdir(config.dataDir, { recursive: true });
  // Traversable by sandboxes' mapped root ids (the jail's rootfs lives below), not listable.
  await chmod(config.dataDir, 0o711);
  const image = await prepareImage(config, (line) => log.info('image', { line }));
  const db = openDb(join(config.dataDir, 'paddock.db'));
  const keys = new KeyStore(db);
  await bootstrapKey(config, keys, announce);
  const subnet = parseSubnet(config.subnet);
  const { egress, resolver } = await startEgress(subnetCidr(subnet), log);
  const opened = await openCore(config, db, subnet, egress, log, image);
  const { core, pool, snapshots, sandboxes, quotas, selection } = opened;
  await recoverAndStart({ core, pool, snapshots }, config.lifecycleTickMs);
  const previews = await startPreviews({
    config,
    previews: new PreviewStore(db),
    sandboxes,
    subnet,
    log,
    authenticate: (header) => authenticate(keys, header),
  });
  const api = apiRoutes({ core, keys, previews: previews.service, quotas, sandboxes, config });
  const server = createApiServer({
    routes: [...metaRoutes(VERSION, selection, api), ...api],
    keys,
    log,
    maxBodyBytes: config.maxBodyBytes,
    maxConnectionsPerIp: config.maxConnectionsPerIp,
    heartbeatMs: config.heartbeatMs,
    rateLimiter: new RateLimiter(config.rateLimit),
    onUpgrade: ptyUpgrade({ core, keys, log }),
  });
  await new Promise<void>((resolve) => server.listen(config.port, config.host, resolve));
  const { port } = server.address() as AddressInfo;
  previews.reserve(port);
  const url = `http://${config.host}:${port}`;
  const preview = previews.info();
  announce(JSON.stringify({ event: 'listening', url, backend: selection.backend.name, preview }));
  return {
    url,
    close: async () => {
      core.lifecycle.stop();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await previews.close();
      // Unassigned sandboxes are not kept across a stop: nobody would claim them meanwhile.
      await snapshots.close();
      await pool.close();
      resolver.close();
      const idle = sandboxes.all().length === 0;
      db.close();
      // Sandboxes outlive the daemon and keep their firewall; with none left, nothing stays.
      if (idle) await removeFirewall(subnetCidr(subnet));
    },
  };
}

/**
 * Sandboxes of no tenant left by an earlier daemon go first (the core's recovery would take them
 * for tenants'), then the tenants' are recovered; then the pool, templates and timers start.
 */
async function recoverAndStart(
  parts: { core: SandboxService; pool: WarmPool; snapshots: Snapshots },
  tickMs: number,
): Promise<void> {
  await parts.pool.recover();
  await parts.snapshots.recover();
  await parts.core.recover();
  parts.pool.start();
  parts.snapshots.start();
  parts.core.lifecycle.start(tickMs);
}

/** The backends this host runs and the core over them and the store. */
async function openCore(
  config: DaemonConfig,
  db: Db,
  subnet: Subnet,
  egress: HostEgress,
  log: Logger,
  image: Awaited<ReturnType<typeof prepareImage>>,
) {
  const selection = await selectBackend(config.backend, {
    dataDir: config.dataDir,
    imageRootfs: image.rootfs,
    hostIdBase: config.hostIdBase,
    vm: image.vm,
    vmProblem: image.vmProblem,
  });
  const backend = selection.backend;
  log.info('backend selected', { backend: backend.name, why: selection.reasons.join('; ') });
  const sandboxes = new SandboxStore(db);
  const quotas = new QuotaStore(db);
  const backends = new Map(selection.available.map((b) => [b.name, b]));
  const common = { store: sandboxes, backends, connect: agentClient, subnet, egress, log };
  const classes = poolClasses(config.pool, backend.name, config.defaults);
  const pool = new WarmPool({ ...common, readyTimeoutMs: 30_000, classes });
  const snapshots = new Snapshots({
    ...common,
    readyTimeoutMs: 30_000,
    dir: join(config.dataDir, 'snapshots'),
    // Made at start for the default size class of the default backend; others after a create.
    classes: config.snapshots ? [{ backend: backend.name, limits: config.defaults }] : [],
  });
  const core = new SandboxService({
    ...common,
    defaultBackend: backend.name,
    stream: agentExecStream,
    defaults: config.defaults,
    quota: config.quota,
    quotas,
    readyTimeoutMs: 30_000,
    outputLimitBytes: config.outputLimitBytes,
    pool,
    snapshots: config.snapshots ? snapshots : undefined,
  });
  return { core, pool, snapshots, sandboxes, quotas, selection };
}

/**
 * The sandboxes' DNS resolver first (the firewall redirects to its port), then the firewall
 * from the host's addresses, networks and default route as they are now.
 */
async function startEgress(subnet: string, log: Logger) {
  const facts = await hostNetFacts();
  const egress = new HostEgress(subnet, log);
  const resolver = new DnsResolver({
    policyOf: (ip) => egress.policyOf(ip),
    pin: (ip, pins) => egress.pin(ip, pins),
    upstream: facts.upstream ?? '127.0.0.1',
    log,
  });
  const resolverPort = await resolver.start();
  await installFirewall({ subnetCidr: subnet, resolverPort, ...facts });
  log.info('egress ready', { resolverPort, uplink: facts.uplink, upstream: facts.upstream });
  return { egress, resolver };
}

/** At first start: make an admin key, print it once, and leave it in a 0600 file. */
async function bootstrapKey(
  config: DaemonConfig,
  keys: KeyStore,
  announce: (line: string) => void,
): Promise<void> {
  if (keys.count() > 0) return;
  const { id, key } = newApiKey();
  keys.add({
    id,
    hash: hashKey(key),
    tenant: 'default',
    name: 'bootstrap admin',
    scopes: ['admin'],
    createdAt: new Date().toISOString(),
    expiresAt: undefined,
  });
  const file = join(config.dataDir, 'api-key');
  await writeFile(file, `${key}\n`, { mode: 0o600 });
  announce(JSON.stringify({ event: 'api-key-created', apiKey: key, file }));
}
