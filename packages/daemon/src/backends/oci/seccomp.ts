/**
 * The sandbox syscall policy is data (resources/seccomp/jail.json); this turns it into the OCI
 * `linux.seccomp` section.
 */
import { readFileSync } from 'node:fs';

interface SeccompArg {
  index: number;
  value: number;
  valueTwo?: number;
  op: string;
}

interface SeccompRule {
  names: string[];
  action: string;
  errnoRet?: number;
  args?: SeccompArg[];
}

export interface SeccompProfile {
  defaultAction: string;
  defaultErrnoRet: number;
  architectures: string[];
  allow: string[];
  rules: SeccompRule[];
}

const PROFILE_URL = new URL('../../../resources/seccomp/jail.json', import.meta.url);

export function loadSeccompProfile(url: URL = PROFILE_URL): SeccompProfile {
  return JSON.parse(readFileSync(url, 'utf8')) as SeccompProfile;
}

export function toOciSeccomp(profile: SeccompProfile): Record<string, unknown> {
  return {
    defaultAction: profile.defaultAction,
    defaultErrnoRet: profile.defaultErrnoRet,
    architectures: profile.architectures,
    syscalls: [{ names: profile.allow, action: 'SCMP_ACT_ALLOW' }, ...profile.rules],
  };
}
