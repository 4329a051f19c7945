#!/usr/bin/env bash
# Time a fresh clone's `make lab` to a running JupyterLab, with empty package caches, and
# measure the environment it built:
#
#   scripts/measure-install.sh [REF]      # REF: a commit of this repository (default HEAD)
#
# The clone goes into a temporary folder, removed at the end; JupyterLab is stopped as
# soon as its server answers. The total is split where the files appear: uv in .venv (the
# environment and its installer), .venv/.installed (the lessons' requirements), then
# JupyterLab's first start, which compiles the bytecode of what it imports.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
ref=${1:-HEAD}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
git clone -q "$root" "$work/clone" && git -C "$work/clone" checkout -q "$ref"
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
# Empty caches: pip's off, uv's (and anything else's) in an empty folder. Python writes
# bytecode as on a learner's machine, whatever this shell says.
unset PYTHONDONTWRITEBYTECODE
export PIP_NO_CACHE_DIR=1 XDG_CACHE_HOME=$work/cache UV_CACHE_DIR=$work/cache/uv BROWSER=true
now() { date +%s.%N; }
start=$(now) uv='' installed=''
# Its own session, so that stopping it stops JupyterLab too.
(cd "$work/clone" && exec setsid make lab LAB_OPTIONS="--no-browser --port=$port") \
  >"$work/lab.log" 2>&1 &
lab=$!
until curl -s -o /dev/null "http://127.0.0.1:$port/lab"; do
  kill -0 "$lab" 2>/dev/null || { tail -20 "$work/lab.log"; exit 1; }
  [ -n "$uv" ] || { [ -x "$work/clone/.venv/bin/uv" ] && uv=$(now); }
  [ -n "$installed" ] || { [ -e "$work/clone/.venv/.installed" ] && installed=$(now); }
  sleep 0.1
done
end=$(now)
kill -TERM -- "-$lab" 2>/dev/null || true
wait "$lab" 2>/dev/null || true
python3 - "$start" "${uv:-$start}" "${installed:-$start}" "$end" <<'PY'
import sys
start, uv, installed, end = map(float, sys.argv[1:])
print(f"{end - start:.0f} s: environment and uv {uv - start:.0f} s, the lessons' requirements"
      f" {installed - uv:.0f} s, JupyterLab's first start {end - installed:.0f} s", end="; ")
PY
echo "$(git -C "$work/clone" log -1 --format=%h): environment $(du -sm "$work/clone/.venv" | cut -f1) MB" \
  "(load average $(cut -d' ' -f1-3 /proc/loadavg))"
