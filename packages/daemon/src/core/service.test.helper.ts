/** The core with a fake backend and agent, real SQLite in memory (core unit tests). */
import type { PaddockError } from '@paddock/protocol';
import { AGENT_PROTOCOL_VERSION, type NetworkPolicy, type Quota } from '@paddock/protocol';
import type { EgressControl } from './egress.js';
import type { AgentClient } from '../agent-link/client.js';
import { FakeBackend } from '../backends/fake.js';
import { silentLogger } from '../log.js';
import { parseSubnet } from '../net/plan.js';
import { openDb, type Db } from '../store/db.js';
import { SandboxStore } from '../store/sandboxes.js';
import { SandboxService } from './sandbox-service.js';
import { QuotaStore } from '../store/quotas.js';
import { DEFAULT_LIMITS, DEFAULT_MAX_LIMITS, DEFAULT_QUOTA_TOTALS } from '../config.js';

export interface CoreFixture {
  core: SandboxService;
  backend: FakeBackend;
  store: SandboxStore;
  quotas: QuotaStore;
  seen: unknown[];
  db: Db;
  /** The egress policy the fake firewall holds per sandbox address. */
  firewall: Map<string, NetworkPolicy>;
}

export function setup(agent: Partial<AgentClient> = {}, quota: Partial<Quota> = {}): CoreFixture {
  const backend = new FakeBackend();
  const db: Db = openDb(':memory:');
  const store = new SandboxStore(db);
  const quotas = new QuotaStore(db);
  const seen: unknown[] = [];
  const firewall = new Map<string, NetworkPolicy>();
  const egress: EgressControl = {
    apply: (ip, policy) => Promise.resolve(void firewall.set(ip, policy)),
    remove: (ip) => Promise.resolve(void firewall.delete(ip)),
  };
  const client: AgentClient = {
    health: () =>
      Promise.resolve({ status: 'ok', protocol: AGENT_PROTOCOL_VERSION, agentVersion: 't' }),
    call: ((op: string, req: unknown) => {
      seen.push(req);
      if (op !== 'exec') return Promise.resolve({ path: '/workspace/x' });
      return Promise.resolve({ success: true, exitCode: 0, stdout: '', stderr: '', duration: 1 });
    }) as AgentClient['call'],
    ...agent,
  };
  const core = new SandboxService({
    store,
    backends: new Map([[backend.name, backend]]),
    defaultBackend: backend.name,
    connect: () => client,
    stream: () => (async function* () {})(),
    defaults: DEFAULT_LIMITS,
    quota: { ...DEFAULT_QUOTA_TOTALS, perSandbox: DEFAULT_MAX_LIMITS, ...quota },
    quotas,
    subnet: parseSubnet('10.99.0.0/28'),
    egress,
    log: silentLogger,
    readyTimeoutMs: 200,
    outputLimitBytes: 4096,
  });
  return { core, backend, store, quotas, seen, db, firewall };
}

export const code = async (p: Promise<unknown>) =>
  ((await p.catch((e: unknown) => e)) as PaddockError).code;
