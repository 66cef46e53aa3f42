// Preview proxy throughput: one large HTTP body from a web server in a jail sandbox, read through
// the preview proxy (host form) and straight from the sandbox's address (direct TCP, no proxy),
// as MiB/s and their ratio. Prints a table and one JSON line; saves the JSON in bench-results/.
// Needs root, a built tree and the guest image. BENCH_PROXY_MIB (default 128) sets the body
// size, BENCH_PROXY_ROUNDS (5) the rounds per path (the median is reported).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { getSandbox } from '../packages/sdk/dist/index.js';
import { startDaemon } from './bench-lib.mjs';

const ROOT = join(import.meta.dirname, '..');
const MIB = Number(process.env.BENCH_PROXY_MIB ?? 128);
const ROUNDS = Number(process.env.BENCH_PROXY_ROUNDS ?? 5);
// Moved by PADDOCK_TEST_NET_BASE like the e2e subnets; +10 is unused by bench.mjs (+9).
const OCTET = Number(process.env.PADDOCK_TEST_NET_BASE ?? 213) + 10;
const SUBNET = `10.${OCTET}.0.0/16`;
// The first sandbox of a fresh daemon takes the subnet's first /30: the sandbox end is .2.
const SANDBOX_IP = `10.${OCTET}.0.2`;
const PORT = 8080;

const APP = `
const http = require('node:http');
const chunk = Buffer.alloc(256 * 1024, 'x');
http.createServer((req, res) => {
  const total = Number(new URL(req.url, 'http://x').searchParams.get('mib')) * 4;
  res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': total * chunk.length });
  let sent = 0;
  const more = () => {
    while (sent < total) { sent++; if (!res.write(chunk)) return res.once('drain', more); }
    res.end();
  };
  more();
}).listen(${PORT}, '0.0.0.0');
`;

/** Read one body; connect to `address` whatever the URL's host says. Returns MiB/s. */
function download(url, address) {
  return new Promise((resolve, reject) => {
    const lookup = (_h, o, cb) =>
      o.all ? cb(null, [{ address, family: 4 }]) : cb(null, address, 4);
    const t0 = process.hrtime.bigint();
    const req = request(url, { lookup, agent: false }, (res) => {
      let bytes = 0;
      res.on('data', (d) => (bytes += d.length));
      res.on('end', () => {
        const s = Number(process.hrtime.bigint() - t0) / 1e9;
        if (res.statusCode !== 200 || bytes !== MIB * 1024 * 1024) {
          reject(new Error(`HTTP ${res.statusCode}, ${bytes} bytes from ${url}`));
        } else resolve(MIB / s);
      });
    });
    req.on('error', reject);
    req.end();
  });
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function measure(previewUrl) {
  const proxied = [];
  const direct = [];
  // Alternate the two paths so drift on a shared machine hits both alike.
  for (let i = 0; i < ROUNDS; i++) {
    proxied.push(await download(`${previewUrl}big?mib=${MIB}`, '127.0.0.1'));
    direct.push(await download(`http://${SANDBOX_IP}:${PORT}/big?mib=${MIB}`, SANDBOX_IP));
  }
  return { proxied: median(proxied), direct: median(direct) };
}

/** Starts its own daemon and jail sandbox; the medians and their ratio (also saved as JSON). */
export async function measureProxy() {
  const dataDir = mkdtempSync('/tmp/paddock-bench-proxy-');
  const daemon = await startDaemon(dataDir, SUBNET, 'none', [
    '--backend',
    'jail',
    '--preview-listen',
    '127.0.0.1:0',
  ]);
  const { client } = daemon;
  const sandbox = getSandbox(client, 'bench-proxy');
  try {
    await sandbox.writeFile('/workspace/big.js', APP);
    const proc = await sandbox.startProcess('node /workspace/big.js');
    await proc.waitForPort(PORT, { mode: 'tcp' });
    const { url } = await sandbox.exposePort(PORT);
    await download(`${url}big?mib=${MIB}`, '127.0.0.1'); // warm-up
    const r = await measure(url);
    const result = {
      bench: 'preview-proxy',
      backend: 'jail',
      bodyMiB: MIB,
      rounds: ROUNDS,
      proxiedMiBps: Number(r.proxied.toFixed(1)),
      directMiBps: Number(r.direct.toFixed(1)),
      ratio: Number((r.proxied / r.direct).toFixed(3)),
      at: new Date().toISOString(),
    };
    mkdirSync(join(ROOT, 'bench-results'), { recursive: true });
    writeFileSync(
      join(ROOT, 'bench-results', `proxy-${Date.now()}.json`),
      `${JSON.stringify(result, null, 2)}\n`,
    );
    return result;
  } finally {
    await sandbox.destroy().catch(() => undefined);
    await daemon.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function main() {
  const result = await measureProxy();
  console.log(`path            MiB/s (median of ${ROUNDS}, ${MIB} MiB body)`);
  console.log(`preview proxy   ${result.proxiedMiBps}`);
  console.log(`direct TCP      ${result.directMiBps}`);
  console.log(`ratio           ${result.ratio}`);
  console.log(JSON.stringify(result));
}

// Run on its own (node scripts/bench-proxy.mjs) or imported by scripts/bench.mjs.
if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((err) => {
    console.error(`bench-proxy: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  });
}
