/**
 * The namespace jail: runc runs each sandbox in its own user, mount, PID, network, UTS, IPC and
 * cgroup namespaces, under the default-deny seccomp profile. It shares the host kernel, so it
 * is for trusted work; untrusted code belongs on gvisor or microvm.
 */
import { join } from 'node:path';
import { OciBackend } from '../oci/oci-backend.js';
import { loadSeccompProfile } from '../oci/seccomp.js';

export interface HostLayout {
  dataDir: string;
  imageRootfs: string;
  hostIdBase: number;
}

export function jailBackend(layout: HostLayout): OciBackend {
  return new OciBackend({
    sandboxesDir: join(layout.dataDir, 'sandboxes'),
    imageRootfs: layout.imageRootfs,
    hostIdBase: layout.hostIdBase,
    flavor: {
      name: 'jail',
      isolation: 'namespace',
      runtime: { binary: 'runc', globalArgs: ['--root', join(layout.dataDir, 'runc')] },
      seccomp: loadSeccompProfile(),
      extraEnv: {},
      userNamespace: true,
      nprocIsPids: false,
      hostPids: (pids) => pids,
    },
  });
}
