/*
 * gVisor's 2022 kernel (Debian's runsc) rejects statx() with AT_NO_AUTOMOUNT (EINVAL), which
 * coreutils' ls and stat always pass. Sandboxes on the gvisor backend preload this shim: it
 * drops the flag, which only matters for automount points that sandboxes do not have.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

int statx(int dirfd, const char *path, int flags, unsigned int mask, struct statx *buf) {
  return (int)syscall(SYS_statx, dirfd, path, flags & ~AT_NO_AUTOMOUNT, mask, buf);
}
