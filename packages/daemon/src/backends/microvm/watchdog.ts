/**
 * Ends a microVM that stalls. QEMU pauses, rather than exits, on a KVM internal error, so a dead
 * guest can leave a live QEMU: every few seconds the watchdog asks QMP for the run state and kills
 * QEMU (by PID) when the guest is in a terminal state, QEMU has gone, or QMP stops answering.
 */
import { queryStatus } from '../../host/qmp.js';
import { isQemuOf, killProcess } from '../../host/qemu.js';

/** Run states after which the guest will not run again. */
export const DEAD_STATES = new Set(['internal-error', 'guest-panicked', 'shutdown', 'io-error']);
export const WATCHDOG_INTERVAL_MS = 3000;
/** Consecutive unanswered polls before QEMU counts as hung (QMP is served by QEMU's main loop). */
const MAX_SILENT_POLLS = 10;

export interface WatchedVm {
  name: string;
  pid: number;
  qmpSocket: string;
}

export class Watchdog {
  private timer: NodeJS.Timeout | undefined;
  private silent = 0;
  private polling = false;

  constructor(
    private readonly vm: WatchedVm,
    private readonly onDeath: (reason: string) => void,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.poll(), WATCHDOG_INTERVAL_MS);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** One check; returns why the VM is dead, or undefined while it lives. */
  async poll(): Promise<string | undefined> {
    if (this.polling) return undefined;
    this.polling = true;
    try {
      const reason = await this.check();
      if (reason !== undefined && this.timer !== undefined) {
        this.stop();
        killProcess(this.vm.pid);
        this.onDeath(reason);
      }
      return reason;
    } finally {
      this.polling = false;
    }
  }

  /** Why the VM is dead, or undefined while it lives (no action taken). */
  async check(): Promise<string | undefined> {
    if (!(await isQemuOf(this.vm.pid, this.vm.name)))
      return 'QEMU exited: the guest powered off, rebooted or panicked (see its console log)';
    try {
      const status = await queryStatus(this.vm.qmpSocket);
      this.silent = 0;
      return DEAD_STATES.has(status) ? `the VM stopped: ${status}` : undefined;
    } catch {
      this.silent++;
      if (this.silent < MAX_SILENT_POLLS) return undefined;
      return `QEMU stopped answering QMP for ${(MAX_SILENT_POLLS * WATCHDOG_INTERVAL_MS) / 1000} s`;
    }
  }
}
