/**
 * Blocked targets for egress tests, built by the test in its own network namespace (never a
 * real outside address): a fake "other host" on a private address and a fake cloud metadata
 * server on 169.254.169.254, both served by one small HTTP server inside the namespace. The host
 * reaches them through a veth and a /32 route, so the test can show they are live before showing
 * a sandbox cannot reach them.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';

export const METADATA_IP = '169.254.169.254';

export interface FakeHosts {
  /** The fake other host (private address, port 8080). */
  otherIp: string;
  close(): Promise<void>;
}

const SERVER = `
const http = require('node:http');
for (const [host, port, body] of [['0.0.0.0', 8080, 'fake-other-host'], ['${METADATA_IP}', 80, 'fake-metadata']]) {
  http.createServer((req, res) => res.end(body)).listen(port, host, () => console.log('up ' + port));
}`;

const ip = (...args: string[]) =>
  execFileSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

/** `index` picks a /30 in 172.31.<base>.0/24 (base: this checkout's PADDOCK_TEST_NET_BASE). */
export async function startFakeHosts(index: number): Promise<FakeHosts> {
  const base = Number(process.env['PADDOCK_TEST_NET_BASE'] ?? 213);
  const tag = `${base}x${index}`;
  const ns = `egt${tag}`;
  const hostIf = `egh${tag}`;
  const net = `172.31.${base}.${index * 4}`;
  const [hostIp, otherIp] = [1, 2].map((n) => net.replace(/\d+$/, (o) => String(Number(o) + n)));
  const cleanup = () => {
    for (const args of [
      ['route', 'del', `${METADATA_IP}/32`, 'dev', hostIf],
      ['link', 'del', hostIf],
      ['netns', 'del', ns],
    ]) {
      try {
        ip(...args);
      } catch {
        // Already gone.
      }
    }
  };
  cleanup();
  ip('netns', 'add', ns);
  ip('link', 'add', hostIf, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns);
  ip('addr', 'add', `${hostIp}/30`, 'dev', hostIf);
  ip('link', 'set', hostIf, 'up');
  ip('-n', ns, 'addr', 'add', `${otherIp}/30`, 'dev', 'eth0');
  ip('-n', ns, 'addr', 'add', `${METADATA_IP}/32`, 'dev', 'lo');
  ip('-n', ns, 'link', 'set', 'lo', 'up');
  ip('-n', ns, 'link', 'set', 'eth0', 'up');
  ip('-n', ns, 'route', 'add', 'default', 'via', hostIp as string);
  ip('route', 'add', `${METADATA_IP}/32`, 'via', otherIp as string, 'dev', hostIf);
  const server: ChildProcess = spawn('ip', ['netns', 'exec', ns, process.execPath, '-e', SERVER], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    let seen = 0;
    server.stdout?.on('data', (d: Buffer) => {
      seen += (d.toString().match(/up /g) ?? []).length;
      if (seen >= 2) resolve();
    });
    server.once('exit', (code) => reject(new Error(`fake host server exited ${code}`)));
  });
  return {
    otherIp: otherIp as string,
    close: async () => {
      if (server.exitCode === null) {
        const exited = new Promise((r) => server.once('exit', r));
        server.kill('SIGTERM');
        await exited;
      }
      cleanup();
    },
  };
}
