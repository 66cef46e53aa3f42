/**
 * QEMU's argv for one sandbox (pure). Nothing beyond the boot path: no default devices, no
 * firmware configuration of ours, three virtio disks, one virtio NIC, the serial console, QMP and
 * the control port on unix sockets, a balloon for free page reporting, QEMU's own seccomp
 * policy. Paths are as QEMU sees them inside its jail.
 */
import { VM_CONTROL_PORT } from '@paddock/protocol';

export type Accel = 'kvm' | 'tcg';

export interface QemuSpec {
  name: string;
  accel: Accel;
  memoryMiB: number;
  vcpus: number;
  kernel: string;
  initramfs: string;
  cmdline: string;
  baseDisk: string;
  paddockDisk: string;
  dataDisk: string;
  /** raw for a booted sandbox; qcow2 (over a snapshot's disk) for a restored one. */
  dataFormat: 'raw' | 'qcow2';
  tap: string;
  mac: string;
  consoleSocket: string;
  qmpSocket: string;
  /** The control port's socket (protocol/vm-control.ts): every VM has it, so any may be a template. */
  controlSocket: string;
  /** Wait for a migration stream (a restore from a snapshot) instead of booting. */
  incoming: boolean;
  /** File whose bytes the guest reads as the fw_cfg item `fwCfgName` (the agent token). */
  fwCfgName: string;
  fwCfgFile: string;
}

export const QEMU_BINARY = '/usr/bin/qemu-system-x86_64';

/** The translation cache under TCG (QEMU's default is 1 GiB per VM, counted against its cgroup). */
export const TCG_TB_SIZE_MIB = 64;

export function qemuArgv(s: QemuSpec): string[] {
  for (const v of [s.name, s.kernel, s.initramfs, s.baseDisk, s.paddockDisk, s.dataDisk])
    optValue(v);
  for (const v of [s.tap, s.mac, s.consoleSocket, s.qmpSocket, s.controlSocket, s.fwCfgName])
    optValue(v);
  optValue(s.fwCfgFile);
  if (!Number.isInteger(s.memoryMiB) || s.memoryMiB < 64) throw new Error('memoryMiB >= 64');
  if (!Number.isInteger(s.vcpus) || s.vcpus < 1) throw new Error('vcpus >= 1');
  return [
    ...['-name', s.name, '-nodefaults', '-no-user-config', '-nographic'],
    ...accelArgs(s.accel),
    ...['-m', `${s.memoryMiB}M`, '-smp', String(s.vcpus)],
    ...['-kernel', s.kernel, '-initrd', s.initramfs, '-append', s.cmdline],
    ...disk('base', s.baseDisk, true),
    ...disk('paddock', s.paddockDisk, true),
    ...disk('data', s.dataDisk, false, s.dataFormat),
    ...['-netdev', `tap,id=net0,ifname=${s.tap},script=no,downscript=no`],
    ...['-device', `virtio-net-pci,netdev=net0,mac=${s.mac},romfile=`],
    ...['-chardev', `socket,id=console,path=${s.consoleSocket},server=on,wait=off`],
    ...['-serial', 'chardev:console'],
    ...['-chardev', `socket,id=qmp,path=${s.qmpSocket},server=on,wait=off`],
    ...['-mon', 'chardev=qmp,mode=control'],
    ...['-device', 'virtio-serial-pci,id=ser0'],
    ...['-chardev', `socket,id=ctl,path=${s.controlSocket},server=on,wait=off`],
    ...['-device', `virtserialport,bus=ser0.0,chardev=ctl,name=${VM_CONTROL_PORT}`],
    // Pages the guest frees are reported and dropped by QEMU: idle guests shrink on the host.
    ...['-device', 'virtio-balloon-pci,id=balloon0,free-page-reporting=on'],
    ...['-fw_cfg', `name=${s.fwCfgName},file=${s.fwCfgFile}`],
    ...['-sandbox', 'on,obsolete=deny,elevateprivileges=deny,spawn=deny,resourcecontrol=deny'],
    '-no-reboot',
    ...(s.incoming ? ['-incoming', 'defer'] : []),
  ];
}

function accelArgs(accel: Accel): string[] {
  // q35 both ways: -M microvm under TCG loses a timer tick in some boots and hangs.
  if (accel === 'kvm') return ['-machine', 'q35', '-accel', 'kvm', '-cpu', 'host'];
  return ['-machine', 'q35', '-accel', `tcg,tb-size=${TCG_TB_SIZE_MIB}`, '-cpu', 'max'];
}

function disk(id: string, file: string, readonly: boolean, format = 'raw'): string[] {
  const mode = readonly ? 'readonly=on' : 'discard=unmap';
  return [
    ...['-drive', `if=none,id=${id},file=${file},format=${format},${mode}`],
    ...['-device', `virtio-blk-pci,drive=${id},serial=${id}`],
  ];
}

/** QEMU option values are comma-separated: a comma (or space, or empty) in a value is refused. */
function optValue(v: string): void {
  if (v === '' || /[,\s]/.test(v)) throw new Error(`QEMU option value '${v}' not allowed`);
}
