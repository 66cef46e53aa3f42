/** Where one microVM's files live on the host, and the ids derived from its network slot (pure). */
import { join } from 'node:path';
import { JAIL } from '../../host/qemu.js';
import type { NetworkPlan } from '../../net/plan.js';

export function vmPaths(sandboxesDir: string, name: string) {
  const dir = join(sandboxesDir, name);
  const vmDir = join(dir, 'vm');
  return {
    dir,
    /** Owned by the VM's uid, 0700; QEMU sees it as /vm. */
    vmDir,
    dataDisk: join(vmDir, 'data.img'),
    /** A restored VM's disk, over its snapshot's (qcow2). */
    overlayDisk: join(vmDir, 'data.qcow2'),
    controlSocket: join(vmDir, 'control.sock'),
    /** A snapshot's state streams through it (saved, or restored). */
    migrateSocket: join(vmDir, 'migrate.sock'),
    tokenFile: join(vmDir, 'token'),
    qmpSocket: join(vmDir, 'qmp.sock'),
    consoleSocket: join(vmDir, 'console.sock'),
    /** Mount point of the jail's root inside QEMU's mount namespace (empty on the host). */
    jailRoot: join(dir, 'root'),
    /** Root-owned, out of QEMU's sight. */
    consoleLog: join(dir, 'console.log'),
    consoleLogOld: join(dir, 'console.log.1'),
    qemuLog: join(dir, 'qemu.log'),
    /** Root's: the snapshot directory a restored VM's disk reads through to. */
    templateRef: join(dir, 'template'),
    pidFile: join(dir, 'qemu.pid'),
    deathFile: join(dir, 'dead'),
  };
}

export type VmPaths = ReturnType<typeof vmPaths>;

/** QEMU's migration socket, on the host and in its jail (host/vm-migrate.ts). */
export function migrationSocket(p: VmPaths): { host: string; guest: string } {
  return { host: p.migrateSocket, guest: `${JAIL.vmDir}/migrate.sock` };
}

/** Above the jail's shifted range (1000000-1065535); one uid per /30 of any /8. */
export const VM_UID_BASE = 2_000_000;

function ipNumber(ip: string): number {
  return ip.split('.').reduce((acc, o) => acc * 256 + Number(o), 0);
}

/** The uid (and gid) QEMU runs as: unique per sandbox network slot. */
export function vmUid(plan: NetworkPlan): number {
  return VM_UID_BASE + (Math.floor(ipNumber(plan.hostIp) / 4) % 2 ** 22);
}

/** A locally administered unicast MAC from the sandbox address. */
export function vmMac(plan: NetworkPlan): string {
  const octets = plan.sandboxIp.split('.').map((o) => Number(o).toString(16).padStart(2, '0'));
  return ['02', '50', ...octets].join(':');
}
