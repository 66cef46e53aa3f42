import { describe, expect, it } from 'vitest';
import { moduleLoadOrder, moduleName, stage1Script } from './initramfs.js';

const DEP = [
  'kernel/drivers/virtio/virtio.ko: kernel/drivers/virtio/virtio_ring.ko',
  'kernel/drivers/virtio/virtio_ring.ko:',
  'kernel/drivers/virtio/virtio_pci_modern_dev.ko:',
  'kernel/drivers/virtio/virtio_pci_legacy_dev.ko:',
  'kernel/drivers/virtio/virtio_pci.ko: kernel/drivers/virtio/virtio_pci_legacy_dev.ko ' +
    'kernel/drivers/virtio/virtio_pci_modern_dev.ko kernel/drivers/virtio/virtio.ko ' +
    'kernel/drivers/virtio/virtio_ring.ko',
  'kernel/drivers/net/virtio_net.ko.xz: kernel/drivers/net/net_failover.ko ' +
    'kernel/net/core/failover.ko kernel/drivers/virtio/virtio.ko kernel/drivers/virtio/virtio_ring.ko',
  'kernel/drivers/net/net_failover.ko: kernel/net/core/failover.ko',
  'kernel/net/core/failover.ko:',
  '',
].join('\n');

describe('initramfs', () => {
  it('orders modules after their dependencies, each once', () => {
    expect(moduleLoadOrder(DEP, ['virtio_pci', 'virtio_net'])).toEqual([
      'kernel/drivers/virtio/virtio_ring.ko',
      'kernel/drivers/virtio/virtio.ko',
      'kernel/drivers/virtio/virtio_pci_modern_dev.ko',
      'kernel/drivers/virtio/virtio_pci_legacy_dev.ko',
      'kernel/drivers/virtio/virtio_pci.ko',
      'kernel/net/core/failover.ko',
      'kernel/drivers/net/net_failover.ko',
      'kernel/drivers/net/virtio_net.ko.xz',
    ]);
  });

  it('names modules as modprobe does and refuses unknown ones', () => {
    expect(moduleName('kernel/drivers/net/virtio_net.ko.xz')).toBe('virtio_net');
    expect(moduleName('kernel/fs/nls/nls-utf8.ko')).toBe('nls_utf8');
    expect(() => moduleLoadOrder(DEP, ['overlay'])).toThrow(/overlay not in modules.dep/);
  });

  it('finds the disks by serial and hands over to stage 2', () => {
    const s = stage1Script();
    expect(s).toContain('until base=$(disk base) && pd=$(disk paddock) && data=$(disk data)');
    expect(s).toContain('lowerdir=/mnt/base,upperdir=/mnt/data/upper,workdir=/mnt/data/work');
    expect(s.trimEnd().endsWith('exec switch_root /newroot /opt/paddock/init')).toBe(true);
  });
});
