#!/usr/bin/env bash
# The whole test suite: dependencies and guest image (cached), format, lint, typecheck, then unit,
# end-to-end and hostile tests against real jails, gVisor, the real agent and real daemons (the
# hostile project prints its attack table at the end of the vitest run). Needs root.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/deps.sh
export PADDOCK_IMAGE_DIR=${PADDOCK_IMAGE_DIR:-/var/lib/paddock/images}
node packages/daemon/dist/main.js setup --image-dir "$PADDOCK_IMAGE_DIR"

npm run --silent format:check
npm run --silent lint
npm run --silent typecheck

mkdir -p .paddock-test
results=.paddock-test/results.json
status=0
npx vitest run --reporter=default --reporter=json --outputFile="$results" || status=$?
node scripts/summary.mjs "$results"
exit "$status"
