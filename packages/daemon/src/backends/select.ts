/**
 * Backend selection. `auto` takes the strongest boundary that works on this host: a microVM
 * where hardware virtualisation runs guests, else gVisor if its self-test passes, else the jail.
 */
import type { BackendName } from '@paddock/protocol';
import { gvisorSelfTest, virtFacts, type VirtFacts } from '../host/probe.js';
import type { Backend } from './backend.js';
import { gvisorBackend } from './gvisor/index.js';
import { jailBackend, type HostLayout } from './jail/index.js';

export type BackendChoice = BackendName | 'auto';

export interface Selection {
  /** The default for sandboxes that do not ask for one. */
  backend: Backend;
  /** Every backend that works here; sandboxes may ask for any of them. */
  available: Backend[];
  /** One line per candidate considered, for the log. */
  reasons: string[];
}

/** Why a microVM cannot be the default here, or undefined if it could (pure). */
export function microvmBlocker(facts: VirtFacts): string | undefined {
  if (!facts.kvmDevice) return 'no /dev/kvm';
  if (facts.pvm) return '/dev/kvm is PVM, a software hypervisor that does not run real guests';
  if (!facts.hardwareVirt) return 'the CPU shows no vmx/svm';
  return 'the microvm backend is not in this build yet';
}

export async function selectBackend(choice: BackendChoice, layout: HostLayout): Promise<Selection> {
  const reasons: string[] = [];
  const jail = jailBackend(layout);
  if (choice === 'jail') return { backend: jail, available: [jail], reasons: ['jail: requested'] };
  if (choice === 'microvm') throw new Error('the microvm backend is not in this build yet');
  if (choice === 'auto')
    reasons.push(`microvm: skipped, ${microvmBlocker(virtFacts()) ?? 'unknown'}`);
  const gvisorProblem = await gvisorSelfTest(`${layout.dataDir}/runsc-probe`);
  if (gvisorProblem === undefined) {
    reasons.push(`gvisor: ${choice === 'gvisor' ? 'requested; ' : ''}self-test passed`);
    const gvisor = gvisorBackend(layout);
    return { backend: gvisor, available: [gvisor, jail], reasons };
  }
  if (choice === 'gvisor') throw new Error(`gvisor self-test failed: ${gvisorProblem}`);
  reasons.push(`gvisor: self-test failed (${gvisorProblem})`, 'jail: chosen as the fallback');
  return { backend: jail, available: [jail], reasons };
}
