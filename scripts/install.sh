#!/usr/bin/env bash
# One command from a fresh Debian 12 machine to a running daemon: system packages, npm
# dependencies, the guest image, the `paddock` and `paddockd` commands, and the daemon itself.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
DATA_DIR=${PADDOCK_DATA_DIR:-/var/lib/paddock}

if [ "$(id -u)" -ne 0 ]; then
  echo "install: run as root (it installs packages and the daemon creates namespaces)" >&2
  exit 1
fi

scripts/deps.sh
chmod +x packages/cli/dist/main.js packages/daemon/dist/main.js
ln -sf "$ROOT/packages/cli/dist/main.js" /usr/local/bin/paddock
ln -sf "$ROOT/packages/daemon/dist/main.js" /usr/local/bin/paddockd

paddockd setup --data-dir "$DATA_DIR"

pidfile="$DATA_DIR/daemon.pid"
if [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
  echo "install: stopping the running daemon (pid $(cat "$pidfile")) to start the new build"
  kill "$(cat "$pidfile")"
  while kill -0 "$(cat "$pidfile")" 2>/dev/null; do sleep 0.2; done
fi
setsid nohup paddockd serve --data-dir "$DATA_DIR" >>"$DATA_DIR/daemon.log" 2>&1 </dev/null &
echo $! >"$pidfile"

for _ in $(seq 1 100); do
  if curl -fsS "http://127.0.0.1:7070/v1/health" >/dev/null 2>&1; then
    echo "install: paddockd is running (pid $(cat "$pidfile"), log $DATA_DIR/daemon.log)"
    echo "install: API key in $DATA_DIR/api-key (the CLI reads it when PADDOCK_API_KEY is unset)"
    echo "install: try: paddock create demo && paddock exec demo -- uname -a"
    exit 0
  fi
  sleep 0.1
done
echo "install: the daemon did not come up; see $DATA_DIR/daemon.log" >&2
tail -20 "$DATA_DIR/daemon.log" >&2
exit 1
