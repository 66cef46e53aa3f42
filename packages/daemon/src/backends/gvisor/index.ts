/**
 * gVisor: runsc runs the same OCI bundles as the jail, but each sandbox's processes talk to its
 * own user-space kernel (the Sentry), not the host's. Debian's runsc (2022) has the ptrace
 * platform; its quirks are handled here:
 * - its Sentry threads count against the pids cgroup, and hitting that limit panics it: the cgroup
 *   gets headroom, and the sandbox's own limit is RLIMIT_NPROC, which the Sentry enforces for
 *   every process (root included) of its one sandbox;
 * - its statx rejects AT_NO_AUTOMOUNT, which coreutils passes: a preloaded shim drops the flag;
 * - its network check misreads hosts whose /proc/1 is hidden, so it uses the host stack inside
 *   the sandbox's own network namespace (`--network=host` there is the sandbox's veth only);
 * - it cannot set up its chroot inside an OCI user namespace, so it runs without one (its Sentry
 *   is unprivileged regardless); image files then show their host owner id inside;
 * - its seccomp emulation ignores errno values, so the host profile is not applied inside: the
 *   Sentry is the syscall boundary, under runsc's own host seccomp filters.
 */
import { join } from 'node:path';
import type { HostLayout } from '../jail/index.js';
import { OciBackend } from '../oci/oci-backend.js';

/**
 * On the ptrace platform each guest process costs host tasks of its own (a stub process and
 * Sentry tracer threads: measured ~8 host tasks per idle guest process), and the Sentry has
 * threads of its own. The sandbox's limit itself is RLIMIT_NPROC inside.
 */
export function gvisorHostPids(pids: number): number {
  return pids * 10 + 256;
}
export const STATX_SHIM = '/opt/paddock/statx-shim.so';

export function gvisorRuntimeArgs(dataDir: string): string[] {
  return ['--root', join(dataDir, 'runsc'), '--platform=ptrace', '--network=host'];
}

export function gvisorBackend(layout: HostLayout): OciBackend {
  return new OciBackend({
    sandboxesDir: join(layout.dataDir, 'sandboxes'),
    imageRootfs: layout.imageRootfs,
    hostIdBase: layout.hostIdBase,
    flavor: {
      name: 'gvisor',
      isolation: 'user-kernel',
      runtime: { binary: 'runsc', globalArgs: gvisorRuntimeArgs(layout.dataDir) },
      seccomp: undefined,
      extraEnv: { LD_PRELOAD: STATX_SHIM },
      userNamespace: false,
      nprocIsPids: true,
      hostPids: gvisorHostPids,
    },
  });
}
