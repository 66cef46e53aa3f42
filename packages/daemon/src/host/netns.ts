/**
 * Network namespaces and veth pairs of sandboxes, and the firewall that keeps sandboxes away from
 * the host's services and from each other.
 */
import { writeFileSync } from 'node:fs';
import { HOST_IF_PREFIX, type NetworkPlan } from '../net/plan.js';
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

/** Idempotent: deleting the namespace also deletes the veth pair. */
export async function destroyNetwork(plan: NetworkPlan): Promise<void> {
  await tryRun('ip', ['link', 'del', plan.hostIf]);
  await tryRun('ip', ['netns', 'del', plan.netns]);
}

export async function networkExists(plan: NetworkPlan): Promise<boolean> {
  const out = await run('ip', ['netns', 'list']);
  return out.split('\n').some((line) => line.split(' ')[0] === plan.netns);
}

/** The firewall as nft script text (pure, pinned by a test). */
export function firewallRules(table: string): string {
  const sandboxIf = `${HOST_IF_PREFIX}*`;
  return [
    `table inet ${table}`,
    `delete table inet ${table}`,
    `table inet ${table} {`,
    '  chain input {',
    '    type filter hook input priority -10; policy accept;',
    `    iifname "${sandboxIf}" ct state established,related accept`,
    `    iifname "${sandboxIf}" drop`,
    '  }',
    '  chain forward {',
    '    type filter hook forward priority -10; policy accept;',
    `    iifname "${sandboxIf}" drop`,
    `    oifname "${sandboxIf}" drop`,
    '  }',
    '}',
    '',
  ].join('\n');
}

/** Install (or replace) the daemon's nftables table. */
export async function installFirewall(table = 'paddock'): Promise<void> {
  await run('nft', ['-f', '-'], { input: firewallRules(table) });
}
