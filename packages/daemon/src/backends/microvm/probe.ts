/**
 * The probe boot behind `--backend auto`: the guest kernel and initramfs alone, no disks, no
 * network, under a watchdog. It passes when the guest reaches its init and powers off; it fails
 * when QEMU errors, or hangs (PVM's "emulation failure" leaves QEMU paused forever).
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runWithDeadline } from '../../host/run.js';
import { PROBE_MARKER } from '../../image/initramfs.js';
import type { VmImage } from '../../image/vm-image.js';
import { QEMU_BINARY, type Accel } from './qemu-argv.js';

/** QEMU's argv for a probe boot (pure). */
export function probeArgv(vm: VmImage, accel: Accel, consoleLog: string): string[] {
  const machine =
    accel === 'kvm'
      ? ['-machine', 'q35', '-accel', 'kvm', '-cpu', 'host']
      : ['-machine', 'q35', '-accel', 'tcg', '-cpu', 'max'];
  return [
    ...['-nodefaults', '-no-user-config', '-nographic', ...machine, '-m', '128M'],
    ...['-kernel', vm.kernel, '-initrd', vm.initramfs],
    ...['-append', 'console=ttyS0 rdinit=/init panic=-1 quiet paddock.probe=1'],
    ...['-chardev', `file,id=console,path=${consoleLog}`, '-serial', 'chardev:console'],
    ...['-sandbox', 'on,obsolete=deny,elevateprivileges=deny,spawn=deny,resourcecontrol=deny'],
    '-no-reboot',
  ];
}

/** Undefined when a guest booted to its init within `timeoutMs`, else why not. */
export async function probeMicrovm(
  vm: VmImage,
  accel: Accel,
  timeoutMs: number,
): Promise<string | undefined> {
  const dir = await mkdtemp(join(tmpdir(), 'paddock-probe-'));
  try {
    const log = join(dir, 'console.log');
    const outcome = await runWithDeadline(QEMU_BINARY, probeArgv(vm, accel, log), timeoutMs);
    const console = await readFile(log, 'utf8').catch(() => '');
    if (console.includes(PROBE_MARKER)) return undefined;
    if (outcome === 'timeout') return `the probe VM did not reach its init within ${timeoutMs} ms`;
    return `the probe VM exited without reaching its init (${outcome})`;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
