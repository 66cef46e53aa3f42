/**
 * Backend selection. `auto` takes the strongest boundary that works on this host: a microVM
 * where hardware virtualisation runs guests (proved by booting a probe VM), else gVisor if its
 * self-test passes, else the jail. Every backend that works is offered; the chosen one is the
 * default for sandboxes that do not ask.
 */
import type { BackendName } from '@paddock/protocol';
import { gvisorSelfTest, virtFacts, type VirtFacts } from '../host/probe.js';
import type { VmImage } from '../image/vm-image.js';
import type { Backend } from './backend.js';
import { gvisorBackend } from './gvisor/index.js';
import { jailBackend, type HostLayout } from './jail/index.js';
import { defaultAccel, microvmBackend } from './microvm/index.js';
import { probeMicrovm } from './microvm/probe.js';

export type BackendChoice = BackendName | 'auto';

export interface Selection {
  /** The default for sandboxes that do not ask for one. */
  backend: Backend;
  /** Every backend that works here; sandboxes may ask for any of them. */
  available: Backend[];
  /** One line per candidate considered, for the log. */
  reasons: string[];
}

export interface SelectionInput extends HostLayout {
  /** The microVM's boot files, or why there are none. */
  vm: VmImage | undefined;
  vmProblem?: string | undefined;
}

const PROBE_TIMEOUT_MS = 20_000;

/** Why a microVM cannot be the default here, or undefined if it could (pure). */
export function microvmBlocker(facts: VirtFacts): string | undefined {
  if (!facts.kvmDevice) return 'no /dev/kvm';
  if (facts.pvm) return '/dev/kvm is PVM, a software hypervisor that does not run real guests';
  if (!facts.hardwareVirt) return 'the CPU shows no vmx/svm';
  return undefined;
}

export async function selectBackend(
  choice: BackendChoice,
  input: SelectionInput,
): Promise<Selection> {
  const jail = jailBackend(input);
  const vm = input.vm;
  // A microVM under TCG emulation is slow but real: offered, never the automatic default.
  const microvm = vm ? microvmBackend(input, { vm }) : undefined;
  const extra = microvm ? [microvm] : [];
  if (choice === 'jail')
    return { backend: jail, available: [jail, ...extra], reasons: ['jail: requested'] };
  if (choice === 'microvm') {
    if (!microvm)
      throw new Error(`the microvm backend cannot run: ${input.vmProblem ?? 'no boot files'}`);
    return {
      backend: microvm,
      available: [microvm, jail],
      reasons: [`microvm: requested (${microvm.accel})`],
    };
  }
  const reasons: string[] = [];
  if (choice === 'auto' && microvm) {
    const chosen = await tryMicrovm(microvm, reasons);
    if (chosen) return { backend: microvm, available: [microvm, jail], reasons };
  } else if (choice === 'auto') {
    reasons.push(`microvm: skipped, ${input.vmProblem ?? 'no boot files'}`);
  }
  return gvisorOrJail(choice, input, jail, extra, reasons);
}

async function tryMicrovm(
  microvm: ReturnType<typeof microvmBackend>,
  reasons: string[],
): Promise<boolean> {
  const blocker = microvmBlocker(virtFacts());
  if (blocker || defaultAccel() !== 'kvm') {
    reasons.push(
      `microvm: not the default, ${blocker ?? 'no hardware virtualisation'} (offered under TCG)`,
    );
    return false;
  }
  const problem = await probeMicrovm(microvm.image, 'kvm', PROBE_TIMEOUT_MS);
  reasons.push(
    problem ? `microvm: probe VM failed (${problem})` : 'microvm: probe VM booted under KVM',
  );
  return problem === undefined;
}

async function gvisorOrJail(
  choice: BackendChoice,
  input: SelectionInput,
  jail: Backend,
  extra: Backend[],
  reasons: string[],
): Promise<Selection> {
  const problem = await gvisorSelfTest(`${input.dataDir}/runsc-probe`);
  if (problem === undefined) {
    const gvisor = gvisorBackend(input);
    reasons.push(`gvisor: ${choice === 'gvisor' ? 'requested; ' : ''}self-test passed`);
    return { backend: gvisor, available: [gvisor, jail, ...extra], reasons };
  }
  if (choice === 'gvisor') throw new Error(`gvisor self-test failed: ${problem}`);
  reasons.push(`gvisor: self-test failed (${problem})`, 'jail: chosen as the fallback');
  return { backend: jail, available: [jail, ...extra], reasons };
}
