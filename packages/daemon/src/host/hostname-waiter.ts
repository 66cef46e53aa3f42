/**
 * gVisor's host name can only be set from inside its Sentry, and `runsc exec` costs tens of ms
 * (more on a busy host). A warm-pool member therefore gets, while it boots, one process started
 * by `runsc exec --cap CAP_SYS_ADMIN` that waits for a name on its stdin, sets it and exits. The
 * claim writes the name (a validated sandbox id) and waits for the exit: the process is gone
 * before the caller's first command. Killed with the sandbox if it is never claimed.
 */
import type { ChildProcess } from 'node:child_process';
import type { OciRuntime } from './oci-runtime.js';
import { start } from './run.js';

const NAME = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;

export class HostnameWaiter {
  private readonly child: ChildProcess;
  private readonly exited: Promise<number | null>;

  constructor(rt: OciRuntime, id: string) {
    const script = 'read -r n && hostname "$n"';
    const argv = [...rt.globalArgs, 'exec', '--cap', 'CAP_SYS_ADMIN', id, '/bin/sh', '-c', script];
    this.child = start(rt.binary, argv, { stdio: ['pipe', 'ignore', 'ignore'] });
    this.exited = new Promise((resolve) => {
      this.child.once('error', () => resolve(null));
      this.child.once('exit', (code) => resolve(code));
    });
  }

  /** Set the name; rejects when the waiter is gone or `hostname` failed. */
  async set(name: string): Promise<void> {
    if (!NAME.test(name)) throw new Error(`not a host name: ${name}`);
    this.child.stdin?.end(`${name}\n`);
    const code = await this.exited;
    if (code !== 0) throw new Error(`setting the host name failed (exit ${code})`);
  }

  cancel(): void {
    this.child.kill('SIGKILL');
  }
}
