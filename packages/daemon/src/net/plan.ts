/**
 * Address plan of sandbox networks, as pure functions. Each sandbox gets a /30 from the daemon's
 * subnet: the host end of its veth takes .1, the sandbox's eth0 .2.
 */

export interface NetworkPlan {
  /** Network namespace name under /var/run/netns. */
  netns: string;
  /** Host end of the veth pair (the sandbox end is eth0 inside the namespace). */
  hostIf: string;
  hostIp: string;
  sandboxIp: string;
  prefixLength: 30;
}

/** Every host-side interface starts with this, so firewall rules can name sandboxes' links. */
export const HOST_IF_PREFIX = 'pdk';

export interface Subnet {
  base: number;
  prefixLength: number;
}

export function parseSubnet(cidr: string): Subnet {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\/(\d+)$/.exec(cidr);
  if (!m) throw new Error(`invalid subnet '${cidr}': expected a.b.c.d/n`);
  const octets = m.slice(1, 5).map(Number);
  const prefixLength = Number(m[5]);
  if (octets.some((o) => o > 255) || prefixLength < 8 || prefixLength > 28) {
    throw new Error(`invalid subnet '${cidr}': octets 0-255, prefix /8 to /28`);
  }
  const base = octets.reduce((acc, o) => acc * 256 + o, 0);
  const size = 2 ** (32 - prefixLength);
  return { base: base - (base % size), prefixLength };
}

/** The subnet in its canonical `a.b.c.d/n` form. */
export function subnetCidr(subnet: Subnet): string {
  return `${ipString(subnet.base)}/${subnet.prefixLength}`;
}

export function slotCount(subnet: Subnet): number {
  return 2 ** (32 - subnet.prefixLength) / 4;
}

export function networkPlan(subnet: Subnet, slot: number, name: string): NetworkPlan {
  if (!Number.isInteger(slot) || slot < 0 || slot >= slotCount(subnet)) {
    throw new Error(`slot ${slot} outside subnet`);
  }
  const net = subnet.base + slot * 4;
  return {
    netns: name,
    hostIf: name,
    hostIp: ipString(net + 1),
    sandboxIp: ipString(net + 2),
    prefixLength: 30,
  };
}

export function ipString(n: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join('.');
}
