/**
 * Daemon configuration: flags beat environment variables beat embedded defaults. Only main.ts
 * calls this; everything else receives the parsed config.
 */
import { fileURLToPath } from 'node:url';
import {
  DEFAULT_DAEMON_PORT,
  DEFAULT_OUTPUT_LIMIT_BYTES,
  type Limits,
  type Quota,
} from '@paddock/protocol';
import { parseLimitList, parseTotals } from './config-limits.js';
import type { BackendChoice } from './backends/select.js';
import { parsePool, type PoolSetting } from './pool-config.js';

const BACKEND_CHOICES: readonly BackendChoice[] = ['auto', 'microvm', 'gvisor', 'jail'];

export interface DaemonConfig {
  dataDir: string;
  imageDir: string;
  host: string;
  port: number;
  backend: BackendChoice;
  subnet: string;
  mirror: string;
  agentBundle: string;
  hostIdBase: number;
  maxBodyBytes: number;
  /** Open API connections one client address may hold (slowloris defence). */
  maxConnectionsPerIp: number;
  /** Interval of SSE heartbeats on streams. */
  heartbeatMs: number;
  /** Output kept per stream of a command when the call does not say (`outputLimit`). */
  outputLimitBytes: number;
  /** Per-key requests per second and burst (PADDOCK_RATE_LIMIT="perSecond/burst"). */
  rateLimit: { perSecond: number; burst: number };
  /** Limits of a sandbox whose create does not say (--limits). */
  defaults: Limits;
  /** The preview proxy: host form `{port}-{id}-{token}.{previewDomain}` on its own listener. */
  preview: {
    host: string;
    port: number;
    domain: string;
    /** The path form `/{id}/{port}/{token}/` listener; off when undefined. */
    path: { host: string; port: number } | undefined;
  };
  /** Every tenant's quota unless an admin overrides it (--quota, --max-limits). */
  quota: Quota;
  /** How often lifecycle timers (sleepAfter, ttl) are checked. */
  lifecycleTickMs: number;
  /** Warm pool classes (pool-config.ts); 'default' until the default backend is known. */
  pool: PoolSetting;
  /** Whether creates restore from snapshot templates where the backend can (microvm). */
  snapshots: boolean;
}

export const DEFAULT_LIMITS: Limits = {
  cpuMillis: 1000,
  memoryMiB: 512,
  diskMiB: 1024,
  pids: 512,
  inodes: 65_536,
  openFiles: 4096,
  maxCommandMs: 3600 * 1000,
  maxProcesses: 256,
  maxSessions: 32,
};

/** The largest a create may ask for, per limit, unless an admin says otherwise. */
export const DEFAULT_MAX_LIMITS: Limits = {
  cpuMillis: 8000,
  memoryMiB: 8192,
  diskMiB: 32 * 1024,
  pids: 8192,
  inodes: 4 * 1024 * 1024,
  openFiles: 16_384,
  maxCommandMs: 24 * 3600 * 1000,
  maxProcesses: 1024,
  maxSessions: 256,
};

export const DEFAULT_QUOTA_TOTALS = { sandboxes: 50, memoryMiB: 16 * 1024, diskMiB: 64 * 1024 };

type Flags = Record<string, string | undefined>;

export function loadConfig(flags: Flags, env: NodeJS.ProcessEnv): DaemonConfig {
  const pick = (flag: string, envName: string, fallback: string) =>
    flags[flag] ?? env[envName] ?? fallback;
  const dataDir = pick('data-dir', 'PADDOCK_DATA_DIR', '/var/lib/paddock');
  const [host, port] = splitListen(
    pick('listen', 'PADDOCK_LISTEN', `127.0.0.1:${DEFAULT_DAEMON_PORT}`),
  );
  const backend = pick('backend', 'PADDOCK_BACKEND', 'auto');
  if (!BACKEND_CHOICES.includes(backend as BackendChoice)) {
    throw new Error(`--backend ${backend}: choose one of ${BACKEND_CHOICES.join(', ')}`);
  }
  const defaults = parseLimitList(pick('limits', 'PADDOCK_LIMITS', ''), DEFAULT_LIMITS, '--limits');
  return {
    dataDir,
    imageDir: pick('image-dir', 'PADDOCK_IMAGE_DIR', `${dataDir}/images`),
    host,
    port,
    backend: backend as BackendChoice,
    subnet: pick('subnet', 'PADDOCK_SUBNET', '10.213.0.0/16'),
    mirror: pick('mirror', 'PADDOCK_DEBIAN_MIRROR', 'http://deb.debian.org/debian'),
    agentBundle: pick('agent-bundle', 'PADDOCK_AGENT_BUNDLE', defaultAgentBundle()),
    hostIdBase: 1_000_000,
    maxBodyBytes: Number(
      pick('max-body-bytes', 'PADDOCK_MAX_BODY_BYTES', String(64 * 1024 * 1024)),
    ),
    maxConnectionsPerIp: Number(
      pick('max-connections-per-ip', 'PADDOCK_MAX_CONNECTIONS_PER_IP', '256'),
    ),
    heartbeatMs: Number(env['PADDOCK_SSE_HEARTBEAT_MS'] ?? 15_000),
    rateLimit: parseRate(pick('rate-limit', 'PADDOCK_RATE_LIMIT', '50/200')),
    outputLimitBytes: Number(
      pick('output-limit-bytes', 'PADDOCK_OUTPUT_LIMIT_BYTES', String(DEFAULT_OUTPUT_LIMIT_BYTES)),
    ),
    preview: previewConfig(pick),
    defaults,
    quota: {
      ...parseTotals(pick('quota', 'PADDOCK_QUOTA', ''), DEFAULT_QUOTA_TOTALS),
      perSandbox: parseLimitList(
        pick('max-limits', 'PADDOCK_MAX_LIMITS', ''),
        DEFAULT_MAX_LIMITS,
        '--max-limits',
      ),
    },
    lifecycleTickMs: Number(env['PADDOCK_LIFECYCLE_TICK_MS'] ?? 1000),
    pool: parsePool(flags['pool'] ?? env['PADDOCK_POOL'], defaults),
    snapshots: onOff(pick('snapshots', 'PADDOCK_SNAPSHOTS', 'on'), '--snapshots'),
  };
}

function onOff(value: string, name: string): boolean {
  if (value === 'on' || value === 'off') return value === 'on';
  throw new Error(`${name} ${value}: expected on or off`);
}

function previewConfig(
  pick: (flag: string, envName: string, fallback: string) => string,
): DaemonConfig['preview'] {
  const [host, port] = splitListen(
    pick('preview-listen', 'PADDOCK_PREVIEW_LISTEN', '127.0.0.1:7071'),
  );
  const domain = pick('preview-domain', 'PADDOCK_PREVIEW_DOMAIN', 'localhost');
  if (!/^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/.test(domain)) {
    throw new Error(`--preview-domain ${domain}: expected a lowercase host name`);
  }
  const pathListen = pick('preview-path-listen', 'PADDOCK_PREVIEW_PATH_LISTEN', 'off');
  const path = pathListen === 'off' ? undefined : splitListen(pathListen);
  return { host, port, domain, path: path && { host: path[0], port: path[1] } };
}

function splitListen(listen: string): [string, number] {
  const i = listen.lastIndexOf(':');
  const port = Number(listen.slice(i + 1));
  if (i <= 0 || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`--listen ${listen}: expected host:port`);
  }
  return [listen.slice(0, i), port];
}

/** The agent bundle built beside this package in the workspace. */
function defaultAgentBundle(): string {
  return fileURLToPath(new URL('../../agent/dist/agent.mjs', import.meta.url));
}

function parseRate(text: string): { perSecond: number; burst: number } {
  const [perSecond, burst] = text.split('/').map(Number);
  if (!perSecond || !burst || perSecond <= 0 || burst < 1) {
    throw new Error(`--rate-limit ${text}: expected requestsPerSecond/burst, e.g. 50/200`);
  }
  return { perSecond, burst };
}
