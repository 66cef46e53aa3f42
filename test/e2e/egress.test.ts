/**
 * Egress policy end to end on real sandboxes. Traffic goes only to targets this test builds in
 * its own namespaces (fake-hosts.ts), to the host itself, to other sandboxes, and to the npm
 * registry and Debian's mirror, which this machine reaches.
 */
import { execFileSync } from 'node:child_process';
import { lookup } from 'node:dns/promises';
import { createServer, type Server } from 'node:http';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectionError, Paddock, getSandbox, type Sandbox } from '@paddock/sdk';
import { METADATA_IP, startFakeHosts, type FakeHosts } from './fake-hosts.js';
import {
  CLI,
  hostTraces,
  removeDataDir,
  startDaemon,
  testSubnet,
  type TestDaemon,
} from './harness.js';

const NPM = 'https://registry.npmjs.org/is-number';
const DEBIAN = 'https://deb.debian.org/debian/';

/**
 * The host's trust bundle: this machine's egress path re-signs TLS with a CA the host trusts and
 * the guest image does not; copied into sandboxes so curl can verify the registry.
 */
const HOST_CA = process.env['SSL_CERT_FILE'] ?? '/etc/ssl/certs/ca-certificates.crt';
const SANDBOX_CA = '/tmp/host-ca.crt';

async function withHostCa(sb: Sandbox): Promise<Sandbox> {
  const write = () => sb.writeFile(SANDBOX_CA, readFileSync(HOST_CA, 'utf8'));
  // Once more on a dropped connection: fetch may reuse an idle keep-alive socket just as the
  // daemon's 5 s keep-alive timeout closes it (seen here after slow CLI steps); the write is
  // idempotent.
  await write().catch((err: unknown) => {
    if (err instanceof ConnectionError) return write();
    throw err;
  });
  return sb;
}

/** HTTP status curl saw, or 'failed' when it could not connect or resolve. */
async function fetchIn(sb: Sandbox, url: string, extra = ''): Promise<string> {
  const opts = `--cacert ${SANDBOX_CA} --connect-timeout 4 -m 20`;
  const cmd = `curl -sS -o /dev/null -w '%{http_code}' ${opts} ${extra} ${url}`;
  const r = await sb.exec(cmd, { timeout: 30_000 });
  return r.exitCode === 0 ? r.stdout.trim() : 'failed';
}

async function fromHost(url: string): Promise<string> {
  const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
  return res.text();
}

/** A TCP server on every host address: what a sandbox must not reach on the host. */
async function hostListener(): Promise<{ server: Server; port: number }> {
  const server = createServer((_req, res) => res.end('host-service\n'));
  await new Promise<void>((r) => server.listen(0, '0.0.0.0', r));
  const addr = server.address();
  return { server, port: typeof addr === 'object' && addr ? addr.port : 0 };
}

async function sandboxIp(sb: Sandbox): Promise<string> {
  const js = `const os=require('os');console.log(Object.values(os.networkInterfaces()).flat().find(i=>i.family==='IPv4'&&!i.internal).address)`;
  return (await sb.exec(['node', '-e', js])).stdout.trim();
}

/** The rcode of an A query for `name` sent over TCP to the sandbox's gateway, port 53. */
async function tcpDnsRcode(sb: Sandbox, gateway: string, name: string): Promise<number> {
  const py = [
    'import socket, struct, sys',
    'q = struct.pack(">HHHHHH", 0x1234, 0x0100, 1, 0, 0, 0)',
    'q += b"".join(bytes([len(l)]) + l.encode() for l in sys.argv[2].split(".")) + b"\\0"',
    'q += struct.pack(">HH", 1, 1)',
    's = socket.create_connection((sys.argv[1], 53), 5)',
    's.sendall(struct.pack(">H", len(q)) + q)',
    'r = b""',
    'while True:',
    '    d = s.recv(4096)',
    '    if not d: break',
    '    r += d',
    'print(r[5] & 15)',
  ].join('\n');
  const r = await sb.exec(['python3', '-c', py, gateway, name], { timeout: 20_000 });
  return r.exitCode === 0 ? Number(r.stdout.trim()) : -1;
}

const hasSandboxes = (dataDir: string) =>
  existsSync(join(dataDir, 'sandboxes')) && readdirSync(join(dataDir, 'sandboxes')).length > 0;
const gatewayOf = (ip: string) => ip.replace(/\d+$/, (o) => String(Number(o) - 1));
const tableOf = (subnet: string) => `paddock_${testSubnet(subnet).replace(/[./]/g, '_')}`;

describe.each([
  ['jail', '10.230.0.0/16', 0],
  ['gvisor', '10.231.0.0/16', 1],
] as const)('egress policy (%s)', (backend, subnet, index) => {
  const dataDir = mkdtempSync('/tmp/paddock-e2e-');
  let daemon: TestDaemon;
  let client: Paddock;
  let fake: FakeHosts;
  let host: { server: Server; port: number };
  let a: Sandbox;
  let b: Sandbox;
  let aIp: string;
  let bIp: string;

  beforeAll(async () => {
    daemon = await startDaemon({ dataDir, subnet, backend });
    // After the daemon started, so its network is not one of the host's (only private).
    fake = await startFakeHosts(index);
    host = await hostListener();
    client = new Paddock({ url: daemon.url, apiKey: daemon.apiKey });
    a = await withHostCa(getSandbox(client, 'egress-a'));
    b = await withHostCa(getSandbox(client, 'egress-b'));
    aIp = await sandboxIp(a);
    bIp = await sandboxIp(b);
    await b.startProcess('python3 -m http.server 8000 --bind 0.0.0.0');
    await b.exec(
      'for i in $(seq 50); do curl -s -o /dev/null localhost:8000 && break; sleep 0.2; done',
    );
  }, 120_000);

  afterAll(async () => {
    // Whatever failed, sandboxes go through a live daemon, or they would outlive the test.
    if (daemon && daemon.child.exitCode !== null && hasSandboxes(dataDir)) {
      daemon = await startDaemon({ dataDir, subnet, backend });
    }
    if (daemon?.child.exitCode === null) {
      const c = new Paddock({ url: daemon.url, apiKey: daemon.apiKey });
      for (const s of await c.listSandboxes()) await c.deleteSandbox(s.id).catch(() => {});
    }
    await daemon?.stop();
    host?.server.close();
    await fake?.close();
    removeDataDir(dataDir);
  });

  /** Each target the default policy must block, shown live from the host first. */
  async function blockedTargets(): Promise<Record<string, string>> {
    const gw = gatewayOf(aIp);
    return {
      metadata: await fetchIn(a, `http://${METADATA_IP}/`),
      otherHost: await fetchIn(a, `http://${fake.otherIp}:8080/`),
      hostService: await fetchIn(a, `http://${gw}:${host.port}/`),
      hostEth: await fetchIn(a, `http://192.0.2.2:${host.port}/`),
      daemonApi: await fetchIn(a, `http://${gw}:${new URL(daemon.url).port}/v1/health`),
      otherSandbox: await fetchIn(a, `http://${bIp}:8000/`),
    };
  }
  const allFailed = {
    metadata: 'failed',
    otherHost: 'failed',
    hostService: 'failed',
    hostEth: 'failed',
    daemonApi: 'failed',
    otherSandbox: 'failed',
  };

  it('the blocked targets are live: the host reaches each of them', async () => {
    expect(await fromHost(`http://${METADATA_IP}/`)).toBe('fake-metadata');
    expect(await fromHost(`http://${fake.otherIp}:8080/`)).toBe('fake-other-host');
    expect(await fromHost(`http://${bIp}:8000/`)).toContain('Directory listing');
    expect(await fromHost(`http://127.0.0.1:${host.port}/`)).toBe('host-service\n');
  });

  it('by default reaches nothing: no host, no sandbox, no metadata, no name resolution', async () => {
    expect((await a.info()).network).toEqual({ internet: false, allow: [], deny: [] });
    expect(await blockedTargets()).toEqual(allFailed);
    const dns = await a.exec('getent hosts registry.npmjs.org');
    expect(dns.exitCode).not.toBe(0);
    expect(await fetchIn(a, NPM)).toBe('failed');
  });

  it('with internet:true fetches from npm; the host, sandboxes, metadata and private hosts stay blocked', async () => {
    expect(await a.setNetworkPolicy({ internet: true })).toEqual({
      internet: true,
      allow: [],
      deny: [],
    });
    expect(await fetchIn(a, NPM)).toBe('200');
    expect(await blockedTargets()).toEqual(allFailed);
  });

  it('an allow list of one domain: that domain works, another fails', async () => {
    await a.setNetworkPolicy({ allow: ['registry.npmjs.org'] });
    expect(await fetchIn(a, NPM)).toBe('200');
    expect(await fetchIn(a, DEBIAN)).toBe('failed');
    expect((await a.exec('getent hosts deb.debian.org')).exitCode).not.toBe(0);
    // The same answers over TCP (resolvers fall back to it after a truncated UDP reply).
    expect(await tcpDnsRcode(a, gatewayOf(aIp), 'registry.npmjs.org')).toBe(0);
    expect(await tcpDnsRcode(a, gatewayOf(aIp), 'deb.debian.org')).toBe(5);
  });

  it('an allowed domain opens its addresses only once the sandbox resolved it (pinned)', async () => {
    const npmIp = (await lookup('registry.npmjs.org', { family: 4 })).address;
    const direct = `--resolve registry.npmjs.org:443:${npmIp}`;
    await a.setNetworkPolicy({ allow: ['registry.npmjs.org'] });
    expect(await fetchIn(a, NPM, direct)).toBe('failed');
    expect((await a.exec('getent hosts registry.npmjs.org')).stdout).toContain(npmIp);
    expect(await fetchIn(a, NPM, direct)).toBe('200');
  });

  it('an explicit CIDR allow opens a private host, never the metadata address', async () => {
    await a.setNetworkPolicy({
      internet: true,
      allow: [`${fake.otherIp}/32`, `${METADATA_IP}/32`],
    });
    expect(await fetchIn(a, `http://${fake.otherIp}:8080/`)).toBe('200');
    expect(await fetchIn(a, `http://${METADATA_IP}/`)).toBe('failed');
  });

  it('deny lists win over internet:true, by domain and by address', async () => {
    await a.setNetworkPolicy({ internet: true, deny: ['npmjs.org'] });
    expect(await fetchIn(a, NPM)).toBe('failed');
    expect(await fetchIn(a, DEBIAN)).toBe('200');
    const npmIps = (await lookup('registry.npmjs.org', { all: true, family: 4 })).map(
      (r) => r.address,
    );
    // Other egress still flows: the private host is opened explicitly beside the deny.
    const allow = [`${fake.otherIp}/32`];
    await a.setNetworkPolicy({ internet: true, allow, deny: npmIps.map((x) => `${x}/32`) });
    expect(await fetchIn(a, NPM)).toBe('failed');
    expect(await fetchIn(a, `http://${fake.otherIp}:8080/`)).toBe('200');
  });

  it('a policy change on a running sandbox takes effect at once, both ways', async () => {
    await a.setNetworkPolicy({});
    expect(await fetchIn(a, NPM)).toBe('failed');
    await a.setNetworkPolicy({ internet: true });
    expect(await fetchIn(a, NPM)).toBe('200');
    await a.setNetworkPolicy({});
    expect(await fetchIn(a, NPM)).toBe('failed');
  });

  it('rejects a bad entry with VALIDATION_FAILED naming it, leaving the policy as it was', async () => {
    await a.setNetworkPolicy({ allow: ['registry.npmjs.org'] });
    const err = await a.setNetworkPolicy({ allow: ['not a domain'] }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'VALIDATION_FAILED' });
    expect(String((err as Error).message)).toContain('allow[0]');
    expect((await a.info()).network.allow).toEqual(['registry.npmjs.org']);
  });

  it('keeps a policy set at create across a daemon restart', async () => {
    const c = await withHostCa(
      getSandbox(client, 'egress-c', { network: { allow: ['registry.npmjs.org'] } }),
    );
    expect((await c.info()).network.allow).toEqual(['registry.npmjs.org']);
    await daemon.stop();
    daemon = await startDaemon({ dataDir, subnet, backend });
    client = new Paddock({ url: daemon.url, apiKey: daemon.apiKey });
    const again = getSandbox(client, 'egress-c', { createIfMissing: false });
    expect((await again.info()).network).toEqual({
      internet: false,
      allow: ['registry.npmjs.org'],
      deny: [],
    });
    expect(await fetchIn(again, NPM)).toBe('200');
    expect(await fetchIn(again, DEBIAN)).toBe('failed');
    expect(await fetchIn(again, `http://${METADATA_IP}/`)).toBe('failed');
    await again.destroy();
    a = getSandbox(client, 'egress-a', { createIfMissing: false });
    b = getSandbox(client, 'egress-b', { createIfMissing: false });
  }, 120_000);

  it('the CLI sets a policy at create, shows it and replaces it', async () => {
    const env = { ...process.env, PADDOCK_URL: daemon.url, PADDOCK_API_KEY: daemon.apiKey };
    const cli = (...args: string[]) =>
      execFileSync(process.execPath, [CLI, ...args], { env, encoding: 'utf8' });
    const created = cli(
      'create',
      'egress-cli',
      '--allow',
      'registry.npmjs.org',
      '--deny',
      '10.0.0.0/8',
    );
    expect(created).toBe('egress-cli\n');
    expect(cli('network', 'egress-cli')).toBe(
      'internet  no\nallow     registry.npmjs.org\ndeny      10.0.0.0/8\n',
    );
    expect(cli('network', 'egress-cli', '--internet')).toBe(
      'internet  yes\nallow     -\ndeny      -\n',
    );
    const sb = await withHostCa(getSandbox(client, 'egress-cli', { createIfMissing: false }));
    expect(await fetchIn(sb, NPM)).toBe('200');
    expect(cli('rm', 'egress-cli')).toBe('egress-cli\n');
  });

  it('destroy removes the sandboxes chains; the last daemon stop removes the table', async () => {
    const before = hostTraces(dataDir);
    await a.destroy();
    await b.destroy();
    const table = execFileSync('nft', ['list', 'table', 'inet', tableOf(subnet)], {
      encoding: 'utf8',
    });
    expect(table).not.toMatch(/chain sb_/);
    expect(table).not.toMatch(/set sb_/);
    await daemon.stop();
    const tables = execFileSync('nft', ['list', 'tables'], { encoding: 'utf8' });
    expect(tables).not.toContain(tableOf(subnet));
    expect(hostTraces(dataDir).netns.filter((n) => !before.netns.includes(n))).toEqual([]);
  });
});
