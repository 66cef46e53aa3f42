/**
 * The files of a microVM snapshot and what a restored guest is told. A snapshot directory (the
 * daemon's, root-only) holds `state` (QEMU's migration stream: devices and memory), `data.img`
 * (the template's data disk, read-only from then on: restored VMs read through to it from their
 * own qcow2 file) and `meta.json` (the template's agent token and NIC address).
 */
import { randomBytes } from 'node:crypto';
import { statSync } from 'node:fs';
import { chmod, chown, readFile, rename, writeFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import type { VmRestoreRequest } from '@paddock/protocol';
import type { NetworkPlan } from '../../net/plan.js';
import type { VmImage } from '../../image/vm-image.js';
import { vmMac } from './paths.js';
import { QEMU_BINARY, type Accel } from './qemu-argv.js';

export interface TemplateMeta {
  /** The template's agent token: every restored agent answers to it until claimed. */
  token: string;
  mac: string;
  diskMiB: number;
}

export const SNAPSHOT_FILES = { state: 'state', disk: 'data.img', meta: 'meta.json' } as const;

/** Image files (named by their content hashes), accelerator and the QEMU binary on disk. */
export function snapshotKey(image: VmImage, accel: Accel): string {
  const qemu = statSync(QEMU_BINARY, { throwIfNoEntry: false });
  const parts = [image.kernel, image.initramfs, image.baseDisk, image.paddockDisk, accel];
  parts.push(`${qemu?.size ?? 0}:${qemu?.mtimeMs ?? 0}`);
  return createHash('sha256').update(parts.join('\n')).digest('hex').slice(0, 16);
}

/** The template's data disk moved in (root's, read-only from now on) and its meta written. */
export async function keepTemplateFiles(
  dir: string,
  dataDisk: string,
  meta: TemplateMeta,
): Promise<void> {
  const disk = join(dir, SNAPSHOT_FILES.disk);
  await rename(dataDisk, disk);
  await chown(disk, 0, 0);
  // Read by every restored VM's QEMU (each its own uid) through a read-only bind.
  await chmod(disk, 0o444);
  await writeFile(join(dir, SNAPSHOT_FILES.meta), JSON.stringify(meta), { mode: 0o600 });
}

export async function readTemplateMeta(dir: string): Promise<TemplateMeta> {
  const v = JSON.parse(await readFile(join(dir, SNAPSHOT_FILES.meta), 'utf8')) as TemplateMeta;
  if (typeof v.token !== 'string' || typeof v.mac !== 'string' || !Number.isInteger(v.diskMiB)) {
    throw new Error(`snapshot ${dir} has a malformed meta.json`);
  }
  return v;
}

/** The snapshot a restored sandbox's disk reads through to (from its root-owned ref file). */
export async function templateOf(refFile: string): Promise<string | undefined> {
  const dir = (await readFile(refFile, 'utf8').catch(() => '')).trim();
  return dir === '' ? undefined : dir;
}

/** What a restored guest must take before anything else reaches it. */
export function restoreIdentity(plan: NetworkPlan, hostname: string): VmRestoreRequest {
  return {
    hostname,
    mac: vmMac(plan),
    ip: plan.sandboxIp,
    prefixLength: plan.prefixLength,
    gateway: plan.hostIp,
    epochMs: Date.now(),
    seed: randomBytes(64).toString('hex'),
  };
}
