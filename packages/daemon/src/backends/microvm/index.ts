/**
 * The microVM backend: one QEMU virtual machine per sandbox, with its own guest kernel (Debian's
 * cloud kernel), booting a read-only base disk under an overlay whose upper layer is the
 * sandbox's data disk (the disk quota). Memory is the VM's RAM, CPU its vCPUs plus a cgroup limit
 * on QEMU, the network a tap bridged to the sandbox's veth inside its namespace, so the agent
 * answers at the sandbox address like any backend's. QEMU is confined (host/qemu.ts) and
 * watched (watchdog.ts). With real KVM it runs at full speed; without (PVM here) it runs under
 * TCG emulation, slowly, for tests.
 */
import { chown, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { AGENT_PORT } from '@paddock/protocol';
import { createDiskFile, createOverlayDisk } from '../../host/mounts.js';
import { createNetwork, destroyNetwork, netnsPath } from '../../host/netns.js';
import { virtFacts } from '../../host/probe.js';
import { isQemuOf, JAIL, kvmGroupId, startJailedQemu } from '../../host/qemu.js';
import { qmpCommand, queryStatus } from '../../host/qmp.js';
import { bridgeTap, VM_TAP } from '../../host/tap.js';
import { VmControl } from '../../host/vm-control.js';
import { createVmCgroup, joinCgroup } from '../../host/vm-cgroup.js';
import { TOKEN_FW_CFG_NAME } from '../../image/guest-init.js';
import type { VmImage } from '../../image/vm-image.js';
import { Cleanup } from '../../util/cleanup.js';
import type { Backend, Liveness, RunningSandbox, SandboxSpec, SandboxUsage } from '../backend.js';
import { sandboxUsage } from '../usage.js';
import type { HostLayout } from '../jail/index.js';
import { cgroupsPathOf } from '../oci/oci-backend.js';
import { ConsoleReader, readConsoleLog } from './console.js';
import { kernelCmdline } from './kernel-cmdline.js';
import { qemuArgv, type Accel } from './qemu-argv.js';
import { migrationSocket, vmMac, vmPaths, vmUid, type VmPaths } from './paths.js';
import { Watchdog } from './watchdog.js';
import { processExists, readPid, removeCgroupPatiently, stopQemu } from './qemu-process.js';
import {
  SNAPSHOT_FILES,
  keepTemplateFiles,
  readTemplateMeta,
  restoreIdentity,
  snapshotKey,
  templateOf,
} from './snapshot.js';
import { loadVmState, saveVmState } from '../../host/vm-migrate.js';
import { join } from 'node:path';

export interface MicrovmOptions {
  vm: VmImage;
  /** Default: kvm where the host's KVM runs guests (vmx/svm, not PVM), else tcg. */
  accel?: Accel;
}

/** QEMU's own memory beside guest RAM (code, device state, TCG's translation cache). */
const QEMU_OVERHEAD_MIB = 256;
const QEMU_TASKS = 256;
const QMP_READY_MS = 15_000;
/** Saving or loading a snapshot's stream (hundreds of MiB; slower under TCG). */
const MIGRATION_MS = 120_000;

interface Boot {
  /** Wait for a snapshot's stream instead of booting. */
  incoming?: boolean;
  /** The NIC address the guest already uses (a restore keeps the template's). */
  mac?: string;
}

export function defaultAccel(): Accel {
  const f = virtFacts();
  return f.kvmDevice && f.hardwareVirt && !f.pvm ? 'kvm' : 'tcg';
}

export function microvmBackend(layout: HostLayout, opts: MicrovmOptions): MicrovmBackend {
  return new MicrovmBackend(
    join(layout.dataDir, 'sandboxes'),
    opts.vm,
    opts.accel ?? defaultAccel(),
  );
}

export class MicrovmBackend implements Backend {
  readonly name = 'microvm';
  readonly isolation = 'vm';
  /** Boot plus node's start: ~1 s on KVM; many seconds under TCG emulation. */
  readonly readyTimeoutMs: number;
  private readonly watchdogs = new Map<string, Watchdog>();
  private readonly consoles = new Map<string, ConsoleReader>();
  private readonly key: string;
  /** Control ports held open for templates, until their snapshot. */
  private readonly controls = new Map<string, VmControl>();

  constructor(
    private readonly sandboxesDir: string,
    readonly image: VmImage,
    readonly accel: Accel,
  ) {
    this.readyTimeoutMs = accel === 'kvm' ? 30_000 : 180_000;
    // Once: image and accelerator are fixed for the daemon's life.
    this.key = snapshotKey(image, accel);
  }

  paths(spec: SandboxSpec): VmPaths {
    return vmPaths(this.sandboxesDir, spec.name);
  }

  async create(spec: SandboxSpec): Promise<RunningSandbox> {
    const cleanup = new Cleanup();
    cleanup.defer(() => this.destroy(spec));
    try {
      const uid = vmUid(spec.network);
      await this.prepareDir(spec, uid);
      await this.prepareHost(spec, uid);
      await this.startQemu(spec, uid);
      cleanup.release();
    } catch (err) {
      await cleanup.run();
      throw err;
    }
    return { agent: { host: spec.network.sandboxIp, port: AGENT_PORT, token: spec.agentToken } };
  }

  /** The network namespace with the tap bridged in, and QEMU's cgroup. */
  private async prepareHost(spec: SandboxSpec, uid: number): Promise<void> {
    await createNetwork(spec.network);
    await bridgeTap(spec.network, uid);
    const memoryBytes = (spec.limits.memoryMiB + QEMU_OVERHEAD_MIB) * 1024 * 1024;
    await createVmCgroup(cgroupsPathOf(spec.name), {
      cpuMillis: spec.limits.cpuMillis,
      memoryBytes,
      tasks: QEMU_TASKS,
    });
  }

  /** The sandbox's directories, token file and data disk (new, or over a snapshot's). */
  private async prepareDir(spec: SandboxSpec, uid: number, snapshot?: string): Promise<void> {
    const p = this.paths(spec);
    await mkdir(this.sandboxesDir, { recursive: true });
    await mkdir(p.dir, { mode: 0o700 });
    await mkdir(p.jailRoot, { mode: 0o700 });
    await mkdir(p.vmDir, { mode: 0o700 });
    await chown(p.vmDir, uid, uid);
    if (snapshot === undefined) {
      await createDiskFile(p.dataDisk, spec.limits.diskMiB, 0, spec.limits.inodes);
    } else {
      // Root's, outside QEMU's directory: which snapshot this disk reads through to.
      await writeFile(p.templateRef, snapshot, { mode: 0o600 });
      await createOverlayDisk(p.overlayDisk, JAIL.templateDisk, spec.limits.diskMiB);
    }
    const disk = snapshot === undefined ? p.dataDisk : p.overlayDisk;
    await chown(disk, uid, uid);
    await writeFile(p.tokenFile, spec.agentToken, { mode: 0o400 });
    await chown(p.tokenFile, uid, uid);
  }

  /**
   * QEMU in its jail, up to QMP answering. Booting, it waits for `running`; restoring
   * (`boot.incoming`), for `inmigrate`, and the caller feeds it the snapshot.
   */
  private async startQemu(spec: SandboxSpec, uid: number, boot: Boot = {}): Promise<number> {
    const p = this.paths(spec);
    const kvm = this.accel === 'kvm';
    const snapshot = await templateOf(p.templateRef);
    const pid = startJailedQemu({
      netnsPath: netnsPath(spec.network),
      jailRoot: p.jailRoot,
      vmDir: p.vmDir,
      kernel: this.image.kernel,
      initramfs: this.image.initramfs,
      baseDisk: this.image.baseDisk,
      paddockDisk: this.image.paddockDisk,
      templateDisk: snapshot === undefined ? undefined : join(snapshot, SNAPSHOT_FILES.disk),
      uid,
      kvmGid: kvm ? await kvmGroupId() : undefined,
      devices: ['null', 'zero', 'random', 'urandom', 'net/tun', ...(kvm ? ['kvm'] : [])],
      args: qemuArgv(this.qemuSpec(spec, snapshot !== undefined, boot)),
      logFile: p.qemuLog,
    });
    await writeFile(p.pidFile, `${pid}\n`, { mode: 0o600 });
    await joinCgroup(cgroupsPathOf(spec.name), pid);
    await this.waitForQmp(spec, pid, boot.incoming ? 'inmigrate' : 'running');
    // QEMU read the token into fw_cfg at start-up; the file is no longer needed.
    await rm(p.tokenFile, { force: true });
    if (spec.template) {
      // Before the guest's agent first reads the port: with nobody there its read would end.
      this.controls.set(spec.name, await VmControl.connect(p.controlSocket, 5000));
    }
    if (!boot.incoming) await this.attach(spec, pid);
    return pid;
  }

  private qemuSpec(spec: SandboxSpec, overlay: boolean, boot: Boot) {
    const vm = JAIL.vmDir;
    return {
      name: spec.name,
      accel: this.accel,
      memoryMiB: spec.limits.memoryMiB,
      vcpus: Math.max(1, Math.ceil(spec.limits.cpuMillis / 1000)),
      kernel: JAIL.kernel,
      initramfs: JAIL.initramfs,
      cmdline: kernelCmdline({
        ip: spec.network.sandboxIp,
        prefixLength: spec.network.prefixLength,
        gateway: spec.network.hostIp,
        hostname: spec.id,
        pids: spec.limits.pids,
        nofile: spec.limits.openFiles,
      }),
      baseDisk: JAIL.baseDisk,
      paddockDisk: JAIL.paddockDisk,
      dataDisk: overlay ? `${vm}/data.qcow2` : `${vm}/data.img`,
      dataFormat: overlay ? ('qcow2' as const) : ('raw' as const),
      tap: VM_TAP,
      // A restore starts with the template's NIC address (its state is the template's); the guest
      // then takes its own (restoreIdentity), the one a boot gives it.
      mac: boot.mac ?? vmMac(spec.network),
      consoleSocket: `${vm}/console.sock`,
      qmpSocket: `${vm}/qmp.sock`,
      controlSocket: `${vm}/control.sock`,
      incoming: boot.incoming === true,
      fwCfgName: TOKEN_FW_CFG_NAME,
      fwCfgFile: `${vm}/token`,
    };
  }

  private async waitForQmp(spec: SandboxSpec, pid: number, want: string): Promise<void> {
    const p = this.paths(spec);
    const deadline = Date.now() + QMP_READY_MS;
    let last = 'no answer';
    while (Date.now() < deadline) {
      try {
        const status = await queryStatus(p.qmpSocket, 1000);
        if (status === want) return;
        last = `status ${status}`;
      } catch (err) {
        last = err instanceof Error ? err.message : String(err);
      }
      if (!(await isQemuOf(pid, spec.name)) && !(await processExists(pid))) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const log = await readFile(p.qemuLog, 'utf8').catch(() => '');
    throw new Error(`QEMU did not come up (${last}): ${log.trim().slice(-1500)}`);
  }

  /** Watchdog and console reader for a running VM (also after a daemon restart). */
  private async attach(spec: SandboxSpec, pid: number): Promise<void> {
    const p = this.paths(spec);
    if (!this.consoles.has(spec.name)) {
      const reader = new ConsoleReader(p.consoleSocket, p.consoleLog, p.consoleLogOld);
      this.consoles.set(spec.name, reader);
      await reader.start(5000).catch(() => undefined);
    }
    if (!this.watchdogs.has(spec.name)) {
      const dog = new Watchdog({ name: spec.name, pid, qmpSocket: p.qmpSocket }, (reason) => {
        void writeFile(p.deathFile, reason).catch(() => undefined);
      });
      this.watchdogs.set(spec.name, dog);
      dog.start();
    }
  }

  private detach(name: string): void {
    this.controls.get(name)?.close();
    this.controls.delete(name);
    this.watchdogs.get(name)?.stop();
    this.watchdogs.delete(name);
    this.consoles.get(name)?.close();
    this.consoles.delete(name);
  }

  async destroy(spec: SandboxSpec): Promise<void> {
    const p = this.paths(spec);
    this.detach(spec.name);
    const pid = await readPid(p.pidFile);
    if (pid !== undefined) await stopQemu(pid, spec.name, p.qmpSocket);
    await destroyNetwork(spec.network);
    await removeCgroupPatiently(cgroupsPathOf(spec.name));
    await rm(p.dir, { recursive: true, force: true });
  }

  snapshotKey(): string {
    return this.key;
  }

  /**
   * Pause the template, stream its devices and memory into `dir`, end QEMU, and move its data
   * disk there (read-only from now on: restored disks read through to it).
   */
  async snapshot(spec: SandboxSpec, dir: string): Promise<void> {
    const p = this.paths(spec);
    if (!this.controls.has(spec.name)) throw new Error(`${spec.name} was not booted as a template`);
    await qmpCommand(p.qmpSocket, 'stop');
    const uid = vmUid(spec.network);
    const state = join(dir, SNAPSHOT_FILES.state);
    await saveVmState(p.qmpSocket, migrationSocket(p), state, uid, MIGRATION_MS);
    await this.stop(spec);
    const meta = { token: spec.agentToken, mac: vmMac(spec.network), diskMiB: spec.limits.diskMiB };
    await keepTemplateFiles(dir, p.dataDisk, meta);
  }

  /**
   * A new VM from the snapshot in `dir`: its disk a qcow2 file over the snapshot's, its memory
   * loaded from the stream (its own, not shared), then resumed and told its address, clock and a
   * seed over the control port before the agent is reachable at all.
   */
  async restore(spec: SandboxSpec, dir: string): Promise<RunningSandbox> {
    const meta = await readTemplateMeta(dir);
    if (meta.diskMiB !== spec.limits.diskMiB) throw new Error('the snapshot has another disk size');
    const p = this.paths(spec);
    const cleanup = new Cleanup();
    cleanup.defer(() => this.destroy(spec));
    try {
      const uid = vmUid(spec.network);
      await this.prepareDir(spec, uid, dir);
      await this.prepareHost(spec, uid);
      const pid = await this.startQemu(spec, uid, { incoming: true, mac: meta.mac });
      // Connected before the state loads: the guest's port then stays open, as it was saved.
      const control = await VmControl.connect(p.controlSocket, 5000);
      try {
        const state = join(dir, SNAPSHOT_FILES.state);
        await loadVmState(p.qmpSocket, migrationSocket(p), state, MIGRATION_MS);
        await qmpCommand(p.qmpSocket, 'cont');
        await control.restore(restoreIdentity(spec.network, spec.id), this.readyTimeoutMs);
      } finally {
        control.close();
      }
      await this.attach(spec, pid);
      cleanup.release();
    } catch (err) {
      await cleanup.run();
      throw err;
    }
    return { agent: { host: spec.network.sandboxIp, port: AGENT_PORT, token: meta.token } };
  }

  /** Sleep: QEMU (and the guest's memory) goes; the data disk, network and cgroup stay. */
  async stop(spec: SandboxSpec): Promise<void> {
    const p = this.paths(spec);
    this.detach(spec.name);
    const pid = await readPid(p.pidFile);
    if (pid !== undefined) await stopQemu(pid, spec.name, p.qmpSocket);
    await rm(p.pidFile, { force: true });
    await rm(p.deathFile, { force: true });
  }

  /** Wake: boot a new QEMU on the kept data disk (the token goes in by fw_cfg again). */
  async start(spec: SandboxSpec): Promise<RunningSandbox> {
    await this.stop(spec);
    const p = this.paths(spec);
    const uid = vmUid(spec.network);
    try {
      // The directory is QEMU's (hostile): never follow what it may have left at the path.
      await rm(p.tokenFile, { force: true });
      await writeFile(p.tokenFile, spec.agentToken, { mode: 0o400, flag: 'wx' });
      await chown(p.tokenFile, uid, uid);
      await this.startQemu(spec, uid);
    } catch (err) {
      await this.stop(spec);
      throw err;
    }
    return { agent: { host: spec.network.sandboxIp, port: AGENT_PORT, token: spec.agentToken } };
  }

  /** QMP stop: the vCPUs halt, memory stays (the watchdog does not count `paused` as dead). */
  async pause(spec: SandboxSpec): Promise<void> {
    await qmpCommand(this.paths(spec).qmpSocket, 'stop');
  }

  async resume(spec: SandboxSpec): Promise<void> {
    await qmpCommand(this.paths(spec).qmpSocket, 'cont');
  }

  /** QEMU's cgroup (guest RAM as the host sees it, all vCPU time) and the data disk. */
  async usage(spec: SandboxSpec): Promise<SandboxUsage> {
    const p = this.paths(spec);
    if ((await templateOf(p.templateRef)) === undefined) {
      return sandboxUsage(cgroupsPathOf(spec.name), p.dataDisk);
    }
    // A restored disk: what its own qcow2 file holds, out of its quota.
    const u = await sandboxUsage(cgroupsPathOf(spec.name), p.overlayDisk);
    return { ...u, diskLimitBytes: spec.limits.diskMiB * 1024 * 1024 };
  }

  async inspect(spec: SandboxSpec): Promise<Liveness> {
    const p = this.paths(spec);
    const death = await readFile(p.deathFile, 'utf8').catch(() => undefined);
    if (death !== undefined) return { alive: false, reason: death };
    const pid = await readPid(p.pidFile);
    if (pid === undefined) return { alive: false, reason: 'the VM was never started' };
    const reason = await new Watchdog(
      { name: spec.name, pid, qmpSocket: p.qmpSocket },
      () => {},
    ).check();
    if (reason !== undefined) return { alive: false, reason };
    await this.attach(spec, pid);
    return { alive: true };
  }

  /** The guest's serial console output kept so far (bounded, oldest first). */
  async readConsole(spec: SandboxSpec): Promise<string> {
    const p = this.paths(spec);
    return readConsoleLog(p.consoleLog, p.consoleLogOld);
  }
}
