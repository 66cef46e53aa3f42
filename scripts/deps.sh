#!/usr/bin/env bash
# Installs what Paddock needs on a Debian 12 host (idempotent): system packages, npm
# dependencies from the lockfile, and a build of every package.
set -euo pipefail
cd "$(dirname "$0")/.."

SYSTEM_PACKAGES=(runc runsc nftables iproute2 e2fsprogs mmdebstrap ca-certificates procps curl gcc libc6-dev)

missing=()
for p in "${SYSTEM_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "deps: installing ${missing[*]}"
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "deps: npm ci"
  npm ci --no-audit --no-fund
fi

echo "deps: building"
npm run build --silent
