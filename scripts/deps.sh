#!/usr/bin/env bash
# Installs what Paddock needs on a Debian 12 host (idempotent): system packages (chromium: the
# preview e2e tests drive it headless through playwright-core), npm
# dependencies from the lockfile, and a build of every package.
set -euo pipefail
cd "$(dirname "$0")/.."

SYSTEM_PACKAGES=(runc runsc nftables iproute2 e2fsprogs mmdebstrap ca-certificates procps curl gcc libc6-dev
  qemu-system-x86 qemu-utils busybox-static util-linux cpio kmod chromium)

missing=()
for p in "${SYSTEM_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "deps: installing ${missing[*]}"
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# The microVM's guest kernel: Debian's cloud kernel package, unpacked (not installed, which would
# add it to this host's boot menu) where `paddockd setup` looks for it.
kernel_dir="${PADDOCK_IMAGE_DIR:-${PADDOCK_DATA_DIR:-/var/lib/paddock}/images}/guest-kernel"
if ! ls "$kernel_dir"/boot/vmlinuz-*-cloud-amd64 >/dev/null 2>&1; then
  pkg=$(apt-cache depends linux-image-cloud-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/ { print $2; exit }')
  if [ -z "$pkg" ]; then
    apt-get update -q
    pkg=$(apt-cache depends linux-image-cloud-amd64 | awk '/Depends: linux-image-[0-9]/ { print $2; exit }')
  fi
  echo "deps: unpacking guest kernel $pkg into $kernel_dir"
  tmp=$(mktemp -d)
  (cd "$tmp" && apt-get download -q "$pkg" 2>&1 | tail -1)
  mkdir -p "$kernel_dir"
  dpkg-deb -x "$tmp"/*.deb "$kernel_dir"
  rm -rf "$tmp"
  # The package's postinst would have run depmod; the initramfs builder reads modules.dep.
  depmod -b "$kernel_dir" "${pkg#linux-image-}"
  chmod 755 "$kernel_dir"
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "deps: npm ci"
  npm ci --no-audit --no-fund
fi

echo "deps: building"
npm run build --silent
