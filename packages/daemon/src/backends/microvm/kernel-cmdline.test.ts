import { describe, expect, it } from 'vitest';
import { kernelCmdline } from './kernel-cmdline.js';

const params = {
  ip: '10.220.0.6',
  prefixLength: 30,
  gateway: '10.220.0.5',
  hostname: 'demo',
  pids: 128,
  nofile: 2048,
};

describe('kernelCmdline', () => {
  it('pins the command line', () => {
    expect(kernelCmdline(params)).toBe(
      'console=ttyS0 rdinit=/init panic=-1 oops=panic quiet 8250.nr_uarts=1 i8042.noaux ' +
        'i8042.nomux i8042.dumbkbd pci=lastbus=0 random.trust_cpu=on paddock.ip=10.220.0.6/30 ' +
        'paddock.gw=10.220.0.5 paddock.hostname=demo paddock.pids=128 paddock.nofile=2048',
    );
  });

  it("appends a caller's extra parameters after its own", () => {
    const line = kernelCmdline({
      ...params,
      extra: { 'virtio_blk.queue_depth': '64', nosmt: true },
    });
    expect(
      line.endsWith(' paddock.pids=128 paddock.nofile=2048 virtio_blk.queue_depth=64 nosmt'),
    ).toBe(true);
  });

  it.each([
    'console',
    'rdinit',
    'init',
    'root',
    'panic',
    'oops',
    'quiet',
    'loglevel',
    'paddock.ip',
    'paddock.token',
    'rd.break',
  ])('refuses to let a caller set %s', (name) => {
    expect(() => kernelCmdline({ ...params, extra: { [name]: '1' } })).toThrow(/reserved/);
  });

  it('refuses values that would add parameters or break quoting', () => {
    expect(() => kernelCmdline({ ...params, hostname: 'a init=/bin/sh' })).toThrow(/bad value/);
    expect(() => kernelCmdline({ ...params, extra: { foo: 'x"y' } })).toThrow(/bad value/);
    expect(() => kernelCmdline({ ...params, extra: { 'a b': '1' } })).toThrow(/bad kernel/);
    expect(() => kernelCmdline({ ...params, extra: { foo: '' } })).toThrow(/bad value/);
  });
});
