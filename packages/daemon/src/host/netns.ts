/**
 * Network namespaces and veth pairs of sandboxes, and the firewall that keeps sandboxes away from
 * the host's services and from each other.
 */
import { writeFileSync } from 'node:fs';
import { firewallRules, firewallTable, type FirewallOptions } from '../net/firewall.js';
import type { NetworkPlan } from '../net/plan.js';
import { run, tryRun } from './run.js';

export const NETNS_DIR = '/var/run/netns';

export function netnsPath(plan: NetworkPlan): string {
  return `${NETNS_DIR}/${plan.netns}`;
}

/** Create the namespace, the veth pair, addresses and routes. Undo with destroyNetwork. */
export async function createNetwork(plan: NetworkPlan): Promise<void> {
  const ns = plan.netns;
  await run('ip', ['netns', 'add', ns]);
  await run('ip', [
    'link',
    'add',
    plan.hostIf,
    'type',
    'veth',
    'peer',
    'name',
    'eth0',
    'netns',
    ns,
  ]);
  disableIpv6(plan.hostIf);
  strictReversePath(plan.hostIf);
  await run('ip', ['addr', 'add', `${plan.hostIp}/${plan.prefixLength}`, 'dev', plan.hostIf]);
  await run('ip', ['link', 'set', plan.hostIf, 'up']);
  await run('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
  await run('ip', ['netns', 'exec', ns, 'sysctl', '-q', '-w', 'net.ipv6.conf.all.disable_ipv6=1']);
  await run('ip', [
    '-n',
    ns,
    'addr',
    'add',
    `${plan.sandboxIp}/${plan.prefixLength}`,
    'dev',
    'eth0',
  ]);
  await run('ip', ['-n', ns, 'link', 'set', 'eth0', 'up']);
  await run('ip', ['-n', ns, 'route', 'add', 'default', 'via', plan.hostIp]);
}

function disableIpv6(ifname: string): void {
  try {
    writeFileSync(`/proc/sys/net/ipv6/conf/${ifname}/disable_ipv6`, '1');
  } catch {
    // IPv6 disabled host-wide: nothing to turn off.
  }
}

/** Packets from the sandbox must carry its own address (the firewall matches on it). */
function strictReversePath(ifname: string): void {
  writeFileSync(`/proc/sys/net/ipv4/conf/${ifname}/rp_filter`, '1');
}

/** Idempotent: deleting the namespace also deletes the veth pair. */
export async function destroyNetwork(plan: NetworkPlan): Promise<void> {
  await tryRun('ip', ['link', 'del', plan.hostIf]);
  await tryRun('ip', ['netns', 'del', plan.netns]);
}

export async function networkExists(plan: NetworkPlan): Promise<boolean> {
  const out = await run('ip', ['netns', 'list']);
  return out.split('\n').some((line) => line.split(' ')[0] === plan.netns);
}

/** Install (or replace) the daemon's nftables table; drop the one table of earlier versions. */
export async function installFirewall(opts: FirewallOptions): Promise<void> {
  await tryRun('nft', ['delete', 'table', 'inet', 'paddock']);
  await run('nft', ['-f', '-'], { input: firewallRules(opts) });
}

/** Remove the table (only when no sandbox of this daemon is left to protect). */
export async function removeFirewall(subnetCidr: string): Promise<void> {
  await tryRun('nft', ['delete', 'table', 'inet', firewallTable(subnetCidr)]);
}
