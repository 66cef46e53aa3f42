/**
 * One live daemon per backend for the whole hostile run (each on its own subnet, through the e2e
 * harness), handed to the test files by `inject('hostile')`; at the end the daemons stop, their
 * host traces are checked and the table `id | category | backend | outcome` is printed.
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { TestProject } from 'vitest/node';
import {
  hostTraces,
  removeDataDir,
  snapshotReady,
  startDaemon,
  type TestDaemon,
} from '../e2e/harness.js';
import { RESULTS_FILE, type AttackResult } from './results.js';

export interface HostileDaemon {
  backend: string;
  url: string;
  apiKey: string;
  dataDir: string;
  logFile: string;
  pid: number;
}

declare module 'vitest' {
  export interface ProvidedContext {
    hostile: HostileDaemon[];
  }
}

/**
 * The backends attacked, each on a subnet of its own. The microVM takes the attacks on what the
 * host exposes (network, file API; kit.ts EVERY_BACKEND): where KVM cannot run guests, TCG boots
 * are too slow for the whole suite.
 */
const SUBNETS: Record<string, string> = {
  jail: '10.224.0.0/16',
  gvisor: '10.225.0.0/16',
  microvm: '10.226.0.0/16',
};

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  rmSync(RESULTS_FILE, { force: true });
  const daemons: TestDaemon[] = [];
  const provided: HostileDaemon[] = [];
  for (const backend of Object.keys(SUBNETS)) {
    const d = await startDaemon({
      backend,
      subnet: SUBNETS[backend],
      // The microVM's sandboxes are restored from a snapshot, so its attacks hit that path.
      env: { PADDOCK_SSE_HEARTBEAT_MS: '500', PADDOCK_SNAPSHOTS: snapshotsOf(backend) },
    });
    daemons.push(d);
    if (backend === 'microvm') await snapshotReady(d);
    provided.push({
      backend,
      url: d.url,
      apiKey: d.apiKey,
      dataDir: d.dataDir,
      logFile: join(
        import.meta.dirname,
        '..',
        '..',
        '.paddock-test',
        'logs',
        `daemon-${basename(d.dataDir)}.log`,
      ),
      pid: d.child.pid ?? 0,
    });
  }
  project.provide('hostile', provided);
  return async () => {
    // A test that timed out may have left its sandbox behind: destroy what the admin still has.
    for (const d of provided) await destroyAll(d).catch(() => undefined);
    const leaks = daemons.map((d) => leftovers(d.dataDir)).filter((l) => l !== '');
    await Promise.all(daemons.map((d) => d.stop()));
    for (const d of daemons) {
      try {
        removeDataDir(d.dataDir);
      } catch (err) {
        leaks.push(`${d.dataDir}: ${String(err)}`);
      }
    }
    printTable(leaks);
  };
}

const snapshotsOf = (backend: string) => (backend === 'microvm' ? 'on' : 'off');

async function destroyAll(d: HostileDaemon): Promise<void> {
  const headers = { authorization: `Bearer ${d.apiKey}` };
  const res = await fetch(`${d.url}/v1/sandboxes`, { headers });
  const { sandboxes } = (await res.json()) as { sandboxes: Array<{ id: string }> };
  for (const s of sandboxes) {
    await fetch(`${d.url}/v1/sandboxes/${s.id}`, { method: 'DELETE', headers });
  }
}

function leftovers(dataDir: string): string {
  const t = hostTraces(dataDir);
  const left = [...t.mounts, ...t.netns, ...t.links, ...t.cgroups, ...t.sandboxDirs];
  return left.length === 0 ? '' : `${dataDir}: ${left.join(', ')}`;
}

function printTable(leaks: string[]): void {
  const rows = existsSync(RESULTS_FILE)
    ? readFileSync(RESULTS_FILE, 'utf8')
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => JSON.parse(l) as AttackResult)
    : [];
  rows.sort((a, b) => a.id.localeCompare(b.id) || a.backend.localeCompare(b.backend));
  const cells = rows.map((r) => [r.id, r.category, r.backend, r.verdict, r.outcome]);
  const head = ['id', 'category', 'backend', 'verdict', 'outcome'];
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => (c[i] ?? '').length)));
  const line = (c: string[]) => `| ${c.map((x, i) => x.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  const table = [
    line(head),
    `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`,
    ...cells.map(line),
  ].join('\n');
  const blocked = rows.filter((r) => r.verdict === 'blocked').length;
  const summary = `hostile: ${rows.length} attacks, ${blocked} blocked, ${rows.length - blocked} not blocked`;
  const leakText = leaks.length ? `\nLEFT ON THE HOST: ${leaks.join('; ')}` : '';
  writeFileSync(RESULTS_FILE.replace(/\.jsonl$/, '.md'), `${table}\n\n${summary}${leakText}\n`);
  process.stdout.write(`\nHostile suite\n${table}\n${summary}${leakText}\n`);
  if (leaks.length || blocked < rows.length) process.exitCode = 1;
}
