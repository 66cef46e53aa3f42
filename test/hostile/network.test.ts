/**
 * Network reach from inside a sandbox, on every backend (the microVM too): another sandbox's listening port and
 * agent, the host's daemon API port, and host listeners the test starts on the sandbox's gateway
 * address and on every address. Each must go unanswered (dropped by the daemon's firewall), and
 * the host listeners must see no connection at all.
 */
import { createServer, type AddressInfo, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { getSandbox, type Sandbox } from '@paddock/sdk';
import { attack } from './results.js';
import { EVERY_BACKEND, adminOf, daemons, type HostileDaemon } from './kit.js';
import { createdFrom } from '../e2e/harness.js';

interface Listener {
  server: Server;
  port: number;
  accepted: () => number;
}

function listen(host: string): Promise<Listener> {
  let accepted = 0;
  const server = createServer((s) => {
    accepted++;
    s.destroy();
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () =>
      resolve({ server, port: (server.address() as AddressInfo).port, accepted: () => accepted }),
    );
  });
}

/** `dropped` (no answer within 3 s), `refused` or `open`, as seen from inside the sandbox. */
async function probe(sb: Sandbox, host: string, port: number): Promise<string> {
  const r = await sb.exec(
    `timeout 3 bash -c 'echo x > /dev/tcp/${host}/${port}' 2>/dev/null; rc=$?; ` +
      `if [ $rc = 0 ]; then echo open; elif [ $rc = 124 ]; then echo dropped; else echo refused; fi`,
  );
  return r.stdout.trim();
}

describe.each(daemons(EVERY_BACKEND))('network: $backend', (d: HostileDaemon) => {
  let a: Sandbox;
  let b: Sandbox;
  let gw: string;
  let bIp: string;
  const listeners: Listener[] = [];

  beforeAll(async () => {
    a = getSandbox(adminOf(d), 'hostile-net-a');
    b = getSandbox(adminOf(d), 'hostile-net-b');
    gw = (await a.exec("ip route show default | awk '{print $3}'")).stdout.trim();
    bIp = (await b.exec("ip -4 -o addr show eth0 | awk '{print $4}' | cut -d/ -f1")).stdout.trim();
    expect(gw).toMatch(/^10\.\d+\.\d+\.\d+$/);
    expect(bIp).toMatch(/^10\.\d+\.\d+\.\d+$/);
    // The microVM daemon restores its sandboxes from a snapshot: these attacks hit that path.
    if (d.backend === 'microvm') expect(createdFrom(d.logFile, 'hostile-net-b')).toBe('snapshot');
  });

  afterAll(async () => {
    for (const l of listeners) l.server.close();
    await a?.destroy();
    await b?.destroy();
  });

  attack(d.backend, {
    id: 'H-NET-01',
    category: 'network',
    title: "reach another sandbox's listening port and its agent",
    run: async () => {
      const server = await b.startProcess('python3 -m http.server 8000 --bind 0.0.0.0');
      await server.waitForPort(8000);
      expect(
        (await b.exec('curl -s -o /dev/null -w "%{http_code}" http://127.0.0.1:8000/')).stdout,
      ).toBe('200');
      const got = [await probe(a, bIp, 8000), await probe(a, bIp, 49983)];
      await server.kill();
      expect(got).toEqual(['dropped', 'dropped']);
      return 'dropped (no answer)';
    },
  });

  attack(d.backend, {
    id: 'H-NET-02',
    category: 'network',
    title: "reach the daemon's API port (on the gateway and on the sandbox's loopback)",
    run: async () => {
      const port = Number(new URL(d.url).port);
      const got = [await probe(a, gw, port), await probe(a, '127.0.0.1', port)];
      expect(got).toEqual(['dropped', 'refused']);
      return 'gateway dropped; own loopback refused (the daemon is not there)';
    },
  });

  attack(d.backend, {
    id: 'H-NET-03',
    category: 'network',
    title: "reach host listeners on the sandbox's gateway address and on 0.0.0.0",
    run: async () => {
      const onGw = await listen(gw);
      const onAll = await listen('0.0.0.0');
      listeners.push(onGw, onAll);
      const got = [await probe(a, gw, onGw.port), await probe(a, gw, onAll.port)];
      expect(got).toEqual(['dropped', 'dropped']);
      expect([onGw.accepted(), onAll.accepted()]).toEqual([0, 0]);
      return 'dropped; host listeners saw no connection';
    },
  });

  attack(d.backend, {
    id: 'H-NET-04',
    category: 'network',
    title: "reach the host through another sandbox's gateway address",
    run: async () => {
      const bGw = (await b.exec("ip route show default | awk '{print $3}'")).stdout.trim();
      const l = await listen(bGw);
      listeners.push(l);
      expect(await probe(a, bGw, l.port)).toBe('dropped');
      expect(l.accepted()).toBe(0);
      return 'dropped';
    },
  });
});
