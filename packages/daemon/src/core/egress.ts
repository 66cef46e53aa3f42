/** What the core needs of the host firewall for sandboxes' egress (host/egress.ts implements it). */
import type { NetworkPolicy } from '@paddock/protocol';

export interface EgressControl {
  /** Install or replace the sandbox's policy (idempotent). */
  apply(sandboxIp: string, policy: NetworkPolicy): Promise<void>;
  /** Remove whatever policy the sandbox had (idempotent). */
  remove(sandboxIp: string): Promise<void>;
}
