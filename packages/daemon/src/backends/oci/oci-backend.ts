/**
 * A sandbox run by an OCI runtime from a bundle: runc for the jail, runsc for gVisor. Both get
 * the same per-sandbox disk (a size-limited ext4 holding an overlay's upper layer over the shared
 * read-only image), network namespace and cgroup limits; the flavor says what differs.
 */
import { chmod, chown, mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AGENT_ENV, AGENT_PORT } from '@paddock/protocol';
import { cgroupExists, cgroupPids, removeCgroup } from '../../host/cgroups.js';
import { readTail } from '../../host/files.js';
import { HostnameWaiter } from '../../host/hostname-waiter.js';
import { createDiskFile, mountLoop, mountOverlay, unmount } from '../../host/mounts.js';
import { createNetwork, destroyNetwork, netnsPath } from '../../host/netns.js';
import { protectInitFromOom } from '../../host/oom.js';
import {
  forceDelete,
  pause,
  resume,
  runDetached,
  setHostname,
  state,
  type OciRuntime,
} from '../../host/oci-runtime.js';
import { Cleanup } from '../../util/cleanup.js';
import type { BackendName, Isolation } from '@paddock/protocol';
import type { Backend, Liveness, RunningSandbox, SandboxSpec, SandboxUsage } from '../backend.js';
import { sandboxUsage } from '../usage.js';
import { ociConfig } from './config.js';
import type { SeccompProfile } from './seccomp.js';

/** What distinguishes one OCI runtime's sandboxes from another's. */
export interface OciFlavor {
  name: BackendName;
  isolation: Isolation;
  runtime: OciRuntime;
  /** Host syscall policy; undefined where the runtime's own kernel is the policy (gVisor). */
  seccomp: SeccompProfile | undefined;
  /** Added to the agent's environment, so every command inherits it. */
  extraEnv: Readonly<Record<string, string>>;
  /** The host pids cgroup limit for a sandbox pids limit (runtimes add tasks of their own). */
  hostPids: (pids: number) => number;
  /** Whether the sandbox gets a user namespace mapping its root to the image's id range. */
  userNamespace: boolean;
  /** Whether the runtime's kernel enforces the pids limit as RLIMIT_NPROC (one kernel per sandbox). */
  nprocIsPids: boolean;
}

export interface OciBackendOptions {
  /** Where per-sandbox directories live. */
  sandboxesDir: string;
  /** Read-only root filesystem of the guest image (ids shifted by hostIdBase). */
  imageRootfs: string;
  hostIdBase: number;
  flavor: OciFlavor;
}

/** Paths of one sandbox's files on the host. */
export function sandboxPaths(sandboxesDir: string, name: string) {
  const dir = join(sandboxesDir, name);
  return {
    dir,
    diskFile: join(dir, 'disk.img'),
    disk: join(dir, 'disk'),
    upper: join(dir, 'disk', 'upper'),
    work: join(dir, 'disk', 'work'),
    // On the sandbox's own disk, so whatever the sandbox makes the agent print is bounded by its quota.
    log: join(dir, 'disk', 'init.log'),
    rootfs: join(dir, 'rootfs'),
    // Outside the rootfs, written by the daemon: the sandbox's gateway is its nameserver.
    resolvConf: join(dir, 'resolv.conf'),
  };
}

/** Names are resolved by the daemon's resolver, reached at the sandbox's gateway. */
export function resolvConfText(gateway: string): string {
  return `nameserver ${gateway}\noptions timeout:2 attempts:2\n`;
}

export const AGENT_ARGV = ['/usr/bin/tini', '-g', '--', '/usr/bin/node', '/opt/paddock/agent.mjs'];

export function agentEnv(
  spec: SandboxSpec,
  extra: Readonly<Record<string, string>> = {},
): Record<string, string> {
  return {
    ...extra,
    PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    HOME: '/root',
    LANG: 'C.UTF-8',
    [AGENT_ENV.token]: spec.agentToken,
    [AGENT_ENV.listen]: `0.0.0.0:${AGENT_PORT}`,
  };
}

export function cgroupsPathOf(name: string): string {
  return `/paddock/${name}`;
}

const CONSOLE_TAIL_BYTES = 256 * 1024;

export class OciBackend implements Backend {
  readonly name: BackendName;
  readonly isolation: Isolation;
  private readonly waiters = new Map<string, HostnameWaiter>();

  constructor(private readonly opts: OciBackendOptions) {
    this.name = opts.flavor.name;
    this.isolation = opts.flavor.isolation;
  }

  private get runtime(): OciRuntime {
    return this.opts.flavor.runtime;
  }

  async create(spec: SandboxSpec): Promise<RunningSandbox> {
    const cleanup = new Cleanup();
    cleanup.defer(() => this.destroy(spec));
    try {
      await this.prepareRootfs(spec);
      await createNetwork(spec.network);
      await this.runContainer(spec);
      cleanup.release();
    } catch (err) {
      await cleanup.run();
      throw err;
    }
    return this.running(spec);
  }

  private running(spec: SandboxSpec): RunningSandbox {
    return { agent: { host: spec.network.sandboxIp, port: AGENT_PORT, token: spec.agentToken } };
  }

  private async runContainer(spec: SandboxSpec): Promise<void> {
    await this.writeBundle(spec);
    const p = sandboxPaths(this.opts.sandboxesDir, spec.name);
    await runDetached(this.runtime, p.dir, spec.name, p.log);
    await this.protectInit(spec);
  }

  /** The runtime (processes, memory, cgroups) goes; disk, overlay and network stay. */
  async stop(spec: SandboxSpec): Promise<void> {
    await forceDelete(this.runtime, spec.name);
    if (await cgroupExists(cgroupsPathOf(spec.name))) await removeCgroup(cgroupsPathOf(spec.name));
  }

  async start(spec: SandboxSpec): Promise<RunningSandbox> {
    await this.stop(spec);
    try {
      await this.runContainer(spec);
    } catch (err) {
      await this.stop(spec);
      throw err;
    }
    return this.running(spec);
  }

  async pause(spec: SandboxSpec): Promise<void> {
    await pause(this.runtime, spec.name);
  }

  async resume(spec: SandboxSpec): Promise<void> {
    await resume(this.runtime, spec.name);
  }

  private async prepareRootfs(spec: SandboxSpec): Promise<void> {
    const p = sandboxPaths(this.opts.sandboxesDir, spec.name);
    const root = this.opts.hostIdBase;
    // The sandbox's mapped root must traverse (not list) the path to its rootfs.
    await mkdir(p.dir, { recursive: true });
    await chmod(this.opts.sandboxesDir, 0o711);
    await chmod(p.dir, 0o711);
    await createDiskFile(p.diskFile, spec.limits.diskMiB, root, spec.limits.inodes);
    await mountLoop(p.diskFile, p.disk);
    await mkdir(p.upper, { mode: 0o755 });
    await chmod(p.upper, 0o755);
    await chown(p.upper, root, root);
    await mkdir(p.work);
    await mountOverlay(this.opts.imageRootfs, p.upper, p.work, p.rootfs);
  }

  private async protectInit(spec: SandboxSpec): Promise<void> {
    const st = await state(this.runtime, spec.name);
    if (!st) throw new Error(`runc lost sandbox ${spec.name} right after starting it`);
    await protectInitFromOom(st.pid, cgroupsPathOf(spec.name));
  }

  private async writeBundle(spec: SandboxSpec): Promise<void> {
    const p = sandboxPaths(this.opts.sandboxesDir, spec.name);
    await writeFile(p.resolvConf, resolvConfText(spec.network.hostIp));
    // Readable by the sandbox's (unmapped-to-root) processes whatever the daemon's umask.
    await chmod(p.resolvConf, 0o644);
    const config = ociConfig({
      containerId: spec.name,
      hostname: spec.id,
      rootfs: p.rootfs,
      netnsPath: netnsPath(spec.network),
      hostIdBase: this.opts.flavor.userNamespace ? this.opts.hostIdBase : undefined,
      cgroupsPath: cgroupsPathOf(spec.name),
      limits: { ...spec.limits, pids: this.opts.flavor.hostPids(spec.limits.pids) },
      args: AGENT_ARGV,
      env: agentEnv(spec, this.opts.flavor.extraEnv),
      seccomp: this.opts.flavor.seccomp,
      resolvConf: p.resolvConf,
      nproc: this.opts.flavor.nprocIsPids ? spec.limits.pids : undefined,
    });
    await writeFile(join(p.dir, 'config.json'), JSON.stringify(config), { mode: 0o600 });
  }

  async destroy(spec: SandboxSpec): Promise<void> {
    this.waiters.get(spec.name)?.cancel();
    this.waiters.delete(spec.name);
    const p = sandboxPaths(this.opts.sandboxesDir, spec.name);
    await forceDelete(this.runtime, spec.name);
    await unmount(p.rootfs);
    await unmount(p.disk);
    await destroyNetwork(spec.network);
    if (await cgroupExists(cgroupsPathOf(spec.name))) await removeCgroup(cgroupsPathOf(spec.name));
    await rm(p.dir, { recursive: true, force: true });
  }

  usage(spec: SandboxSpec): Promise<SandboxUsage> {
    const p = sandboxPaths(this.opts.sandboxesDir, spec.name);
    return sandboxUsage(cgroupsPathOf(spec.name), p.diskFile);
  }

  /**
   * A claimed warm-pool sandbox takes its id as host name. Its init is found in its cgroup (a
   * file read, where asking the runtime would start a program on the create path).
   */
  async rename(spec: SandboxSpec): Promise<void> {
    const waiter = this.waiters.get(spec.name);
    this.waiters.delete(spec.name);
    if (waiter) return waiter.set(spec.id);
    const [init] = await cgroupPids(cgroupsPathOf(spec.name));
    await setHostname(this.runtime, spec.name, spec.id, init);
  }

  /** Ahead of a claim where renaming from outside is slow (gVisor): see host/hostname-waiter.ts. */
  prepareRename(spec: SandboxSpec): Promise<void> {
    if (this.runtime.binary === 'runsc' && !this.waiters.has(spec.name)) {
      this.waiters.set(spec.name, new HostnameWaiter(this.runtime, spec.name));
    }
    return Promise.resolve();
  }

  /** The init's (tini's and the agent's) output, kept on the sandbox's own disk. */
  async readConsole(spec: SandboxSpec): Promise<string> {
    return readTail(sandboxPaths(this.opts.sandboxesDir, spec.name).log, CONSOLE_TAIL_BYTES);
  }

  async inspect(spec: SandboxSpec): Promise<Liveness> {
    const st = await state(this.runtime, spec.name);
    if (!st) return { alive: false, reason: 'the runtime has no record of the sandbox' };
    if (st.status !== 'running' && st.status !== 'paused')
      return { alive: false, reason: `the sandbox's init is ${st.status}` };
    return { alive: true };
  }
}
