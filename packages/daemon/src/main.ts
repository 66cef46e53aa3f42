#!/usr/bin/env node
/**
 * paddockd: `serve` runs the daemon; `setup` builds the guest image. The CLI's `paddock serve`
 * and `paddock setup` run this program.
 */
import { parseArgs } from 'node:util';
import { prepareImage, startDaemon } from './app.js';
import { loadConfig } from './config.js';
import { jsonLogger } from './log.js';

const USAGE = `usage: paddockd <serve|setup> [options]
  --data-dir DIR     data directory (PADDOCK_DATA_DIR, default /var/lib/paddock)
  --image-dir DIR    guest image cache (PADDOCK_IMAGE_DIR, default DATA/images)
  --listen HOST:PORT API address (PADDOCK_LISTEN, default 127.0.0.1:7070)
  --backend NAME     auto|jail (PADDOCK_BACKEND, default auto)
  --subnet CIDR      sandbox addresses (PADDOCK_SUBNET, default 10.213.0.0/16)
  --mirror URL       Debian mirror for the image (PADDOCK_DEBIAN_MIRROR)
  --output-limit-bytes N  output kept per command stream by default (16 MiB)
  --rate-limit R/B   per-key requests per second and burst (PADDOCK_RATE_LIMIT, default 50/200)
  --preview-listen HOST:PORT  preview proxy, host form (PADDOCK_PREVIEW_LISTEN, default 127.0.0.1:7071)
  --preview-domain D  preview host names are {port}-{id}-{token}.D (PADDOCK_PREVIEW_DOMAIN, default localhost)
  --preview-path-listen HOST:PORT|off  preview proxy, path form /{id}/{port}/{token}/ (default off)
  --limits LIST      default sandbox limits, e.g. memoryMiB=256,pids=128 (PADDOCK_LIMITS)
  --max-limits LIST  most a create may ask for per limit, every tenant (PADDOCK_MAX_LIMITS)
  --quota LIST       every tenant's totals: sandboxes=N,memoryMiB=N,diskMiB=N (PADDOCK_QUOTA);
                     an admin overrides them per tenant (paddock quota set)
  --max-connections-per-ip N  open API connections per client address
                     (PADDOCK_MAX_CONNECTIONS_PER_IP, default 256)
  --pool SPEC        warm pool, <backend>:<count>[:<size>],... or none (PADDOCK_POOL;
                     default 2 of the default backend on jail/gvisor, e.g. jail:4:memoryMiB=256)
  --snapshots on|off creates restore from a snapshot of their size class where the backend
                     can (microvm) instead of booting (PADDOCK_SNAPSHOTS, default on)
`;

const OPTIONS = {
  'data-dir': { type: 'string' },
  'image-dir': { type: 'string' },
  listen: { type: 'string' },
  backend: { type: 'string' },
  subnet: { type: 'string' },
  mirror: { type: 'string' },
  'agent-bundle': { type: 'string' },
  'max-body-bytes': { type: 'string' },
  'output-limit-bytes': { type: 'string' },
  'rate-limit': { type: 'string' },
  'preview-listen': { type: 'string' },
  'preview-domain': { type: 'string' },
  'preview-path-listen': { type: 'string' },
  limits: { type: 'string' },
  'max-limits': { type: 'string' },
  quota: { type: 'string' },
  'max-connections-per-ip': { type: 'string' },
  pool: { type: 'string' },
  snapshots: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: OPTIONS,
    allowPositionals: true,
  });
  const verb = positionals[0];
  if (values.help || (verb !== 'serve' && verb !== 'setup')) {
    process.stdout.write(USAGE);
    return values.help ? 0 : 2;
  }
  const { help: _help, ...flags } = values;
  const config = loadConfig(flags, process.env);
  const say = (line: string) => process.stdout.write(`${line}\n`);
  if (verb === 'setup') {
    const r = await prepareImage(config, (line) => say(`setup: ${line}`));
    say(`setup: ${r.built ? 'built' : 'kept'} ${r.rootfs} in ${(r.buildMs / 1000).toFixed(1)} s`);
    return 0;
  }
  // Everything the daemon writes (database, keys, bundles) is private unless made otherwise.
  process.umask(0o077);
  const daemon = await startDaemon(config, jsonLogger(), say);
  await new Promise<void>((resolve) => {
    process.once('SIGTERM', resolve);
    process.once('SIGINT', resolve);
  });
  // Sandboxes keep running; a restarted daemon finds them again.
  await daemon.close();
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`paddockd: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
