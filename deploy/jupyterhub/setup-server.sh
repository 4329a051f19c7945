#!/usr/bin/env bash
# A fresh Debian 12 / Ubuntu 24.04 server to a hub a class can log in to (docs/jupyterhub.md).
# Run as root from a clone of the workbook:  deploy/jupyterhub/setup-server.sh
#   1. Debian's packages: git, make, Python's venv, Node.js and npm;
#   2. make install-hub in this clone: one venv (.venv) for the hub and every learner's
#      server and kernels, its bytecode compiled, the proxy from npm, the kit's kernel profile;
#   3. the learners' repository, HEAD without solutions/ (make learners), in LEARNERS_REPO;
#   4. the hub's settings in ENV_FILE (passwords generated once, never overwritten);
#   5. a systemd unit, enabled and started where systemd runs.
# Each step can be run again; nothing a learner saved is touched.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
LEARNERS_REPO=${LEARNERS_REPO:-/srv/workbook-learners.git}
ENV_FILE=${ENV_FILE:-/etc/workbook-hub.env}
UNIT=${UNIT:-/etc/systemd/system/workbook-hub.service}
# The port written into a new ENV_FILE (the hub uses the two after it too).
PORT=${WORKBOOK_HUB_PORT:-8000}

# Every learner's server runs this clone's venv, and its Python, as the learner's own user.
open_to_all() {
  local dir=$1
  while [ "$dir" != / ]; do
    if [ "$(( $(stat -c '0%a' "$dir") & 05 ))" -ne 5 ]; then
      echo "$dir is closed to other users, so learners could not run $2."
      echo "Put it where everyone can read it (the workbook in /opt/workbook, Debian's python3)."
      exit 1
    fi
    dir=$(dirname "$dir")
  done
}
open_to_all "$ROOT" "$ROOT/.venv"

echo "== 1. packages"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
packages=(git make python3 python3-venv)
# Node.js from elsewhere (NodeSource) brings its own npm, which Debian's npm conflicts with.
command -v npm >/dev/null || packages+=(nodejs npm)
apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null

echo "== 2. the hub's and the learners' environment in $ROOT/.venv"
make -C "$ROOT" install-hub
# Learners cannot write the venv's bytecode cache: compiled once here, or each learner's
# server and kernel compiles Django, JupyterLab and the rest again at every start.
"$ROOT/.venv/bin/python" -m compileall -q -j 0 "$ROOT/.venv/lib" >/dev/null
python=$(readlink -f "$ROOT/.venv/bin/python")
open_to_all "$(dirname "$python")" "$python"

echo "== 3. the learners' repository in $LEARNERS_REPO"
(cd "$ROOT" && deploy/jupyterhub/publish-learners.sh "$LEARNERS_REPO")
# Learners' users read it through git, which refuses a repository owned by another user
# unless the system's git configuration says it is safe.
if [[ "$LEARNERS_REPO" != *:* ]]; then
  git config --system --get-all safe.directory | grep -qxF "$LEARNERS_REPO" \
    || git config --system --add safe.directory "$LEARNERS_REPO"
fi

echo "== 4. the hub's settings in $ENV_FILE"
if [ ! -e "$ENV_FILE" ]; then
  (umask 077 && cat >"$ENV_FILE" <<SETTINGS
# Read by $UNIT. The class password is what learners type; the admins' is yours.
WORKBOOK_HUB_PASSWORD=$(python3 -c 'import secrets; print(secrets.token_urlsafe(9))')
WORKBOOK_HUB_ADMINS=instructor
WORKBOOK_HUB_ADMIN_PASSWORD=$(python3 -c 'import secrets; print(secrets.token_urlsafe(32))')
# 127.0.0.1 behind a TLS proxy on the same server (docs/jupyterhub.md); 0.0.0.0 to answer
# on every address without one.
WORKBOOK_HUB_IP=127.0.0.1
WORKBOOK_HUB_PORT=$PORT
WORKBOOK_HUB_HOMES=/home
WORKBOOK_HUB_SPAWNER=system
WORKBOOK_HUB_DATA=/var/lib/workbook-hub
WORKBOOK_HUB_CULL_AFTER=3600
SETTINGS
  )
  echo "written; the class password is the line WORKBOOK_HUB_PASSWORD"
else
  echo "kept as it is"
fi

echo "== 5. the systemd unit $UNIT"
sed -e "s|@ROOT@|$ROOT|g" -e "s|@ENV_FILE@|$ENV_FILE|g" \
  "$ROOT/deploy/jupyterhub/workbook-hub.service" >"$UNIT"
if [ -d /run/systemd/system ]; then
  systemctl daemon-reload
  systemctl enable --now workbook-hub
  # Say so now if the hub does not come up (a port in use, a wrong setting).
  ip=$(sed -n 's/^WORKBOOK_HUB_IP=//p' "$ENV_FILE")
  [[ "${ip:-0.0.0.0}" != 0.0.0.0 ]] || ip=127.0.0.1
  port=$(sed -n 's/^WORKBOOK_HUB_PORT=//p' "$ENV_FILE")
  address=$ip:${port:-8000}
  if ! python3 - "http://$address/hub/api" <<'WAIT'; then
import sys, time, urllib.request
for _ in range(120):
    try:
        urllib.request.urlopen(sys.argv[1], timeout=5)
        sys.exit(0)
    except OSError:
        time.sleep(1)
sys.exit(1)
WAIT
    echo "The hub does not answer on $address; its log ends:"
    journalctl -u workbook-hub --no-pager -n 20
    exit 1
  fi
  echo "The hub answers on $address."
else
  echo "systemd is not running here; start the hub by hand:"
  echo "  set -a; . $ENV_FILE; set +a; $ROOT/.venv/bin/jupyterhub -f $ROOT/deploy/jupyterhub/jupyterhub_config.py"
fi
echo "The link to hand out:"
"$ROOT/.venv/bin/python" "$ROOT/deploy/jupyterhub/link.py" "https://YOUR-HUB" "file://$LEARNERS_REPO"
