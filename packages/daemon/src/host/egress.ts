/**
 * Egress on the host: the facts the firewall needs (the host's addresses and networks, its
 * default-route interface, its upstream resolver), applying sandboxes' policies to this daemon's
 * nftables table, and IPv4 forwarding, switched on only once some sandbox may reach out.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { parseNetworkEntry, type NetworkPolicy } from '@paddock/protocol';
import type { DnsPolicy } from '../dns/resolver.js';
import type { Logger } from '../log.js';
import {
  applyPolicyScript,
  pinScript,
  policyCidrs,
  removePolicyScript,
} from '../net/egress-rules.js';
import { firewallTable } from '../net/firewall.js';
import { run } from './run.js';

export interface HostNetFacts {
  hostNets4: string[];
  hostNets6: string[];
  uplink: string | undefined;
  upstream: string | undefined;
}

interface IpAddrJson {
  ifname?: string;
  addr_info?: { family?: string; local?: string; prefixlen?: number }[];
}

/** Each address of `ip -j addr` as a host route and its network (pure). */
export function hostNetsOf(json: string): { v4: string[]; v6: string[] } {
  const v4: string[] = [];
  const v6: string[] = [];
  for (const link of JSON.parse(json) as IpAddrJson[]) {
    for (const a of link.addr_info ?? []) {
      if (!a.local || a.prefixlen === undefined) continue;
      const list = a.family === 'inet6' ? v6 : v4;
      for (const text of [a.local, `${a.local}/${a.prefixlen}`]) {
        const e = parseNetworkEntry(text);
        if (e && e.kind !== 'domain') list.push(e.cidr);
      }
    }
  }
  return { v4, v6 };
}

/** The first IPv4 nameserver of a resolv.conf (pure). */
export function upstreamOf(resolvConf: string): string | undefined {
  for (const line of resolvConf.split('\n')) {
    const m = /^\s*nameserver\s+(\S+)/.exec(line);
    if (m && parseNetworkEntry(m[1] as string)?.kind === 'cidr4') return m[1];
  }
  return undefined;
}

export async function hostNetFacts(): Promise<HostNetFacts> {
  const nets = hostNetsOf(await run('ip', ['-j', 'addr', 'show']));
  const routes = JSON.parse(await run('ip', ['-j', 'route', 'show', 'default'])) as {
    dev?: string;
  }[];
  const resolv = await readFile('/etc/resolv.conf', 'utf8').catch(() => '');
  return {
    hostNets4: nets.v4,
    hostNets6: nets.v6,
    uplink: routes[0]?.dev,
    upstream: upstreamOf(resolv),
  };
}

const FORWARD = '/proc/sys/net/ipv4/ip_forward';

/**
 * Policies applied to the daemon's table, kept in memory by sandbox address for the resolver.
 * The store holds them across restarts; the core re-applies them at start.
 */
export class HostEgress {
  private readonly policies = new Map<string, DnsPolicy>();
  private readonly table: string;

  constructor(
    subnetCidr: string,
    private readonly log: Logger,
  ) {
    this.table = firewallTable(subnetCidr);
  }

  async apply(sandboxIp: string, policy: NetworkPolicy): Promise<void> {
    if (policy.internet || policy.allow.length > 0) await this.enableForwarding();
    await run('nft', ['-f', '-'], { input: applyPolicyScript(this.table, sandboxIp, policy) });
    const c = policyCidrs(policy);
    this.policies.set(sandboxIp, {
      internet: policy.internet,
      allowDomains: c.allowDomains,
      denyDomains: c.denyDomains,
    });
  }

  async remove(sandboxIp: string): Promise<void> {
    this.policies.delete(sandboxIp);
    await run('nft', ['-f', '-'], { input: removePolicyScript(this.table, sandboxIp) });
  }

  policyOf(sandboxIp: string): DnsPolicy | undefined {
    return this.policies.get(sandboxIp);
  }

  async pin(sandboxIp: string, pins: { ip: string; ttl: number }[]): Promise<void> {
    if (!this.policies.has(sandboxIp) || pins.length === 0) return;
    await run('nft', ['-f', '-'], { input: pinScript(this.table, sandboxIp, pins) });
  }

  private async enableForwarding(): Promise<void> {
    if ((await readFile(FORWARD, 'utf8')).trim() === '1') return;
    await writeFile(FORWARD, '1');
    this.log.info('IPv4 forwarding switched on (a sandbox policy allows egress)');
  }
}
