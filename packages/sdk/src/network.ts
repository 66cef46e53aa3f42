/**
 * A sandbox's egress policy from the SDK: set at create (`network` of `createSandbox` or
 * `getSandbox`) and replaced later on a running sandbox.
 */
import type { NetworkPolicy, NetworkPolicyInput, SandboxInfo } from '@paddock/protocol';
import { sandboxPath, type Paddock } from './client.js';

export type { NetworkPolicy, NetworkPolicyInput } from '@paddock/protocol';

/**
 * Replace a running sandbox's egress policy; new connections follow it at once. Whatever the
 * policy, the host, other sandboxes, link-local addresses and the host's networks stay
 * unreachable. Resolves to the policy now in force.
 *
 * @example
 * await setNetworkPolicy(paddock, 'build-1', { allow: ['registry.npmjs.org'] });
 * await setNetworkPolicy(paddock, 'build-1', { internet: true, deny: ['10.0.0.0/8'] });
 * @throws ValidationError for an entry that is neither a CIDR nor a domain name.
 */
export async function setNetworkPolicy(
  client: Paddock,
  id: string,
  policy: NetworkPolicyInput,
): Promise<NetworkPolicy> {
  const path = sandboxPath(id, '/network');
  const info = await client.request<SandboxInfo>('PUT', path, { body: policy });
  return info.network;
}
