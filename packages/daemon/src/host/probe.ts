/** Facts about the host that decide which backends can run here. */
import { existsSync, readFileSync } from 'node:fs';
import { tryRun } from './run.js';

export interface VirtFacts {
  kvmDevice: boolean;
  /** vmx or svm in the CPU flags: hardware virtualisation. */
  hardwareVirt: boolean;
  /** /dev/kvm backed by PVM, a software hypervisor that cannot run ordinary guests. */
  pvm: boolean;
}

export function virtFacts(): VirtFacts {
  const cpuinfo = safeRead('/proc/cpuinfo');
  return {
    kvmDevice: existsSync('/dev/kvm'),
    hardwareVirt: /^flags\s*:.*\b(vmx|svm)\b/m.test(cpuinfo),
    pvm: existsSync('/sys/module/kvm_pvm'),
  };
}

function safeRead(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

/** Runs `true` in a throw-away gVisor sandbox; undefined when it works, else why not. */
export async function gvisorSelfTest(stateDir: string): Promise<string | undefined> {
  const args = ['--root', stateDir, '--platform=ptrace', '--network=none', 'do', 'true'];
  const err = await tryRun('runsc', args, { timeoutMs: 30_000 }).catch((e: unknown) => e as Error);
  if (err === undefined) return undefined;
  return err.message.includes('ENOENT') ? 'runsc is not installed' : err.message.slice(0, 300);
}
