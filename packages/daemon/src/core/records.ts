/** What the core derives from a stored sandbox: its backend spec and its agent's endpoint. */
import { randomBytes } from 'node:crypto';
import { AGENT_PORT } from '@paddock/protocol';
import type { AgentEndpoint, SandboxSpec } from '../backends/backend.js';
import { networkPlan, type Subnet } from '../net/plan.js';
import type { SandboxRecord } from '../store/sandboxes.js';

export function specOf(subnet: Subnet, rec: SandboxRecord): SandboxSpec {
  return {
    name: rec.name,
    id: rec.id,
    limits: rec.limits,
    network: networkPlan(subnet, rec.slot, rec.name),
    agentToken: rec.agentToken,
  };
}

export function endpointOf(subnet: Subnet, rec: SandboxRecord): AgentEndpoint {
  const plan = networkPlan(subnet, rec.slot, rec.name);
  return { host: plan.sandboxIp, port: AGENT_PORT, token: rec.agentToken };
}

/** A fresh agent token: 256 random bits. */
export function newAgentToken(): string {
  return randomBytes(32).toString('base64url');
}

/** A fresh host-side name (runtime id, netns, interfaces, directory). */
export function newHostName(): string {
  return `pdk${randomBytes(5).toString('hex')}`;
}
