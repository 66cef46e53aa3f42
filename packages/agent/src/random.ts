/**
 * Random bytes straight from the kernel (/dev/urandom), not from OpenSSL's generator in this
 * process. A microVM restored from a snapshot resumes this process with OpenSSL's state as the
 * template left it, identical in every restored sandbox, while the guest kernel's generator is
 * reseeded at once (vm-control.ts). Nonces that guard framing must differ between sandboxes.
 */
import { openSync, readSync } from 'node:fs';

let fd: number | undefined;

export function kernelRandom(n: number): Buffer {
  fd ??= openSync('/dev/urandom', 'r');
  const buf = Buffer.alloc(n);
  for (let off = 0; off < n;) off += readSync(fd, buf, off, n - off, null);
  return buf;
}

export const kernelRandomHex = (bytes: number): string => kernelRandom(bytes).toString('hex');
