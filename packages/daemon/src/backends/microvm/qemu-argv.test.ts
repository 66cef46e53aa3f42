import { describe, expect, it } from 'vitest';
import { qemuArgv, type QemuSpec } from './qemu-argv.js';

const spec: QemuSpec = {
  name: 'pdk0123456789',
  accel: 'tcg',
  memoryMiB: 512,
  vcpus: 1,
  kernel: '/img/kernel',
  initramfs: '/img/initramfs',
  cmdline: 'console=ttyS0 rdinit=/init',
  baseDisk: '/img/base',
  paddockDisk: '/img/paddock',
  dataDisk: '/vm/data.img',
  dataFormat: 'raw',
  tap: 'tap0',
  mac: '02:50:0a:dc:00:06',
  consoleSocket: '/vm/console.sock',
  qmpSocket: '/vm/qmp.sock',
  controlSocket: '/vm/control.sock',
  incoming: false,
  fwCfgName: 'opt/paddock/token',
  fwCfgFile: '/vm/token',
};

const tail = [
  '-kernel',
  '/img/kernel',
  '-initrd',
  '/img/initramfs',
  '-append',
  'console=ttyS0 rdinit=/init',
  '-drive',
  'if=none,id=base,file=/img/base,format=raw,readonly=on',
  '-device',
  'virtio-blk-pci,drive=base,serial=base',
  '-drive',
  'if=none,id=paddock,file=/img/paddock,format=raw,readonly=on',
  '-device',
  'virtio-blk-pci,drive=paddock,serial=paddock',
  '-drive',
  'if=none,id=data,file=/vm/data.img,format=raw,discard=unmap',
  '-device',
  'virtio-blk-pci,drive=data,serial=data',
  '-netdev',
  'tap,id=net0,ifname=tap0,script=no,downscript=no',
  '-device',
  'virtio-net-pci,netdev=net0,mac=02:50:0a:dc:00:06,romfile=',
  '-chardev',
  'socket,id=console,path=/vm/console.sock,server=on,wait=off',
  '-serial',
  'chardev:console',
  '-chardev',
  'socket,id=qmp,path=/vm/qmp.sock,server=on,wait=off',
  '-mon',
  'chardev=qmp,mode=control',
  '-device',
  'virtio-serial-pci,id=ser0',
  '-chardev',
  'socket,id=ctl,path=/vm/control.sock,server=on,wait=off',
  '-device',
  'virtserialport,bus=ser0.0,chardev=ctl,name=paddock.ctl',
  '-device',
  'virtio-balloon-pci,id=balloon0,free-page-reporting=on',
  '-fw_cfg',
  'name=opt/paddock/token,file=/vm/token',
  '-sandbox',
  'on,obsolete=deny,elevateprivileges=deny,spawn=deny,resourcecontrol=deny',
  '-no-reboot',
];

describe('qemuArgv', () => {
  it('pins the argv under TCG (q35, no KVM)', () => {
    expect(qemuArgv(spec)).toEqual([
      ...['-name', 'pdk0123456789', '-nodefaults', '-no-user-config', '-nographic'],
      ...['-machine', 'q35', '-accel', 'tcg,tb-size=64', '-cpu', 'max'],
      ...['-m', '512M', '-smp', '1'],
      ...tail,
    ]);
  });

  it('pins the argv under KVM', () => {
    expect(qemuArgv({ ...spec, accel: 'kvm', memoryMiB: 1024, vcpus: 2 })).toEqual([
      ...['-name', 'pdk0123456789', '-nodefaults', '-no-user-config', '-nographic'],
      ...['-machine', 'q35', '-accel', 'kvm', '-cpu', 'host'],
      ...['-m', '1024M', '-smp', '2'],
      ...tail,
    ]);
  });

  it('restores over a copy-on-write disk, waiting for the migration stream', () => {
    const argv = qemuArgv({
      ...spec,
      dataDisk: '/vm/data.qcow2',
      dataFormat: 'qcow2',
      incoming: true,
    });
    expect(argv).toContain('if=none,id=data,file=/vm/data.qcow2,format=qcow2,discard=unmap');
    expect(argv.slice(-2)).toEqual(['-incoming', 'defer']);
    // Everything but the disk file and the incoming flag is the template's, device for device.
    const booted = qemuArgv(spec);
    const strip = (a: string[]) =>
      a.filter((x) => !x.includes('id=data,') && x !== '-incoming' && x !== 'defer');
    expect(strip(argv)).toEqual(strip(booted));
  });

  it('refuses values that would inject QEMU options', () => {
    expect(() => qemuArgv({ ...spec, controlSocket: '/vm/c.sock,server=off' })).toThrow(
      /not allowed/,
    );
    expect(() => qemuArgv({ ...spec, dataDisk: '/vm/d.img,readonly=off' })).toThrow(/not allowed/);
    expect(() => qemuArgv({ ...spec, tap: 'tap0,script=/bin/sh' })).toThrow(/not allowed/);
    expect(() => qemuArgv({ ...spec, memoryMiB: 0 })).toThrow(/memoryMiB/);
    expect(() => qemuArgv({ ...spec, vcpus: 0.5 })).toThrow(/vcpus/);
  });
});
