/**
 * The one interface every isolation backend implements (jail, gvisor, microvm). A backend turns a
 * sandbox spec into a running sandbox whose agent answers at `agent`, and tears it down leaving
 * nothing behind. It knows nothing of tenants, the API or the store.
 */
import type { BackendName, Isolation, Limits } from '@paddock/protocol';
import type { NetworkPlan } from '../net/plan.js';

export interface SandboxSpec {
  /** Host-side name, unique per sandbox instance: runtime id, netns, interface, directory. */
  name: string;
  /** The user-visible id (becomes the hostname). */
  id: string;
  limits: Limits;
  network: NetworkPlan;
  /** Secret the agent requires on every request. */
  agentToken: string;
  /** Booted to become a snapshot (backends with `snapshot`): kept ready for it. */
  template?: boolean;
}

export interface AgentEndpoint {
  host: string;
  port: number;
  token: string;
}

export interface RunningSandbox {
  agent: AgentEndpoint;
}

/** What a sandbox uses (cgroup and disk file), for `paddock stats`. */
export interface SandboxUsage {
  cpuNanos: number;
  memoryBytes: number;
  memoryRssBytes: number;
  memoryLimitBytes: number;
  tasks: number;
  diskUsedBytes: number;
  diskLimitBytes: number;
}

export type Liveness = { alive: true } | { alive: false; reason: string };

export interface Backend {
  readonly name: BackendName;
  readonly isolation: Isolation;
  /** Boot the sandbox; on failure nothing is left behind. Resolves once the agent is listening. */
  create(spec: SandboxSpec): Promise<RunningSandbox>;
  /** Remove processes, mounts, disk, network and cgroups. Idempotent, and safe on half-made sandboxes. */
  destroy(spec: SandboxSpec): Promise<void>;
  /** Whether the sandbox's runtime is still there (for the daemon's restart and health checks). */
  inspect(spec: SandboxSpec): Promise<Liveness>;
  /**
   * How long the core should wait for a new sandbox's agent, where the backend needs longer than
   * the daemon's default (a microVM under TCG emulation boots in many seconds).
   */
  readonly readyTimeoutMs?: number;
  /**
   * Sleep: end the sandbox's runtime (its processes and memory) but keep its disk, overlay,
   * network namespace and slot. Idempotent; a paused sandbox is stopped too.
   */
  stop(spec: SandboxSpec): Promise<void>;
  /** Wake: start the runtime again on the kept disk (first clearing any leftover of it). */
  start(spec: SandboxSpec): Promise<RunningSandbox>;
  /** Freeze every process of the sandbox, keeping its memory (cgroup freezer, runsc, QMP stop). */
  pause(spec: SandboxSpec): Promise<void>;
  /** Thaw a paused sandbox. */
  resume(spec: SandboxSpec): Promise<void>;
  /**
   * Apply `spec.id` as the host name of a running sandbox (a claimed warm-pool member), where the
   * host sets it; a backend without it leaves the name to the agent (a microVM's guest root).
   */
  rename?(spec: SandboxSpec): Promise<void>;
  /** Called once a pool member is up, to make a later `rename` fast where it can. */
  prepareRename?(spec: SandboxSpec): Promise<void>;
  /**
   * What a snapshot depends on (image, accelerator, emulator): a snapshot made under another key
   * is not restored. Present only where the backend can snapshot and restore.
   */
  snapshotKey?(): string;
  /** Save a running template (created with `template: true`), memory and disk, into `dir`; it ends. */
  snapshot?(spec: SandboxSpec, dir: string): Promise<void>;
  /**
   * A new sandbox from the snapshot in `dir`: copy-on-write disk, its own address, clock and
   * freshly reseeded randomness. Its agent answers with the template's token (`agent.token`)
   * until the core swaps it (the agent's `claim`).
   */
  restore?(spec: SandboxSpec, dir: string): Promise<RunningSandbox>;
  /** CPU, memory, tasks and disk the sandbox uses. */
  usage(spec: SandboxSpec): Promise<SandboxUsage>;
  /** The sandbox's console output, bounded, for backends that have one (microvm). */
  readConsole?(spec: SandboxSpec): Promise<string>;
}
