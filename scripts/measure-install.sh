#!/usr/bin/env bash
# Time a fresh clone's `make lab` to a running JupyterLab, with no package cache, and
# measure the environment it built:
#
#   scripts/measure-install.sh [REF]      # REF: a commit of this repository (default HEAD)
#
# The clone goes into a temporary folder, removed at the end; JupyterLab is stopped as
# soon as its server answers.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
ref=${1:-HEAD}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
git clone -q "$root" "$work/clone" && git -C "$work/clone" checkout -q "$ref"
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
export PIP_NO_CACHE_DIR=1 UV_NO_CACHE=1 XDG_CACHE_HOME=$work/cache BROWSER=true
start=$(date +%s.%N)
# Its own session, so that stopping it stops JupyterLab too.
(cd "$work/clone" && exec setsid make lab LAB_OPTIONS="--no-browser --port=$port") \
  >"$work/lab.log" 2>&1 &
lab=$!
until curl -s -o /dev/null "http://127.0.0.1:$port/lab"; do
  kill -0 "$lab" 2>/dev/null || { tail -20 "$work/lab.log"; exit 1; }
  sleep 0.2
done
end=$(date +%s.%N)
kill -TERM -- "-$lab" 2>/dev/null || true
wait "$lab" 2>/dev/null || true
echo "$(git -C "$work/clone" log -1 --format=%h): a running JupyterLab after" \
  "$(python3 -c "print(f'{$end - $start:.0f}')") s; environment $(du -sm "$work/clone/.venv" | cut -f1) MB" \
  "(load average $(cut -d' ' -f1-3 /proc/loadavg))"
