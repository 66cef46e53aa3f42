/**
 * A microVM's link inside its sandbox's network namespace: the namespace's eth0 (the veth end
 * createNetwork made) and a tap owned by the VM's QEMU uid, bridged with no address of their own.
 * The guest's NIC takes the sandbox address, so the host side and its firewall see what they see
 * for a jail. Deleting the namespace (destroyNetwork) deletes the bridge and the tap.
 */
import type { NetworkPlan } from '../net/plan.js';
import { run } from './run.js';

export const VM_TAP = 'tap0';
const BRIDGE = 'br0';

export async function bridgeTap(plan: NetworkPlan, uid: number): Promise<void> {
  const ip = (...args: string[]) => run('ip', ['-n', plan.netns, ...args]);
  await ip('addr', 'flush', 'dev', 'eth0');
  await ip('link', 'add', BRIDGE, 'type', 'bridge');
  const owner = ['user', String(uid), 'group', String(uid)];
  await ip('tuntap', 'add', 'dev', VM_TAP, 'mode', 'tap', ...owner);
  await ip('link', 'set', 'eth0', 'master', BRIDGE);
  await ip('link', 'set', VM_TAP, 'master', BRIDGE);
  await ip('link', 'set', VM_TAP, 'up');
  await ip('link', 'set', BRIDGE, 'up');
}
