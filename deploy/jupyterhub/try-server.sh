#!/usr/bin/env bash
# The hub's guide (docs/jupyterhub.md) tried end to end on a clean Debian 12, unattended:
#   deploy/jupyterhub/try-server.sh          (as root; make try-server)
# A Debian 12 made by debootstrap (cached in TRY_CACHE, a fresh copy per run) boots with
# systemd under systemd-nspawn, sharing this machine's network. Inside it, as root, the
# guide's commands run as written (the clone comes from this checkout's HEAD, read-only);
# setup-server.sh installs the hub and systemd starts it. From here, headless Chromium logs
# in two learners and the instructor, follows the link and runs lesson 00 (try_class.py).
# Then: each home is its owner's and 700, the culler runs, a restart of the hub and a second
# setup-server.sh keep every learner's files and the passwords; the guide's Caddy in front,
# with its own local certificate, and a login over HTTPS. Each step prints its time;
# the first failure stops the run with one line saying which step. The container is
# stopped and removed at the end (kept, stopped, after a failure, to look at).
set -Eeuo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
CACHE=${TRY_CACHE:-/var/cache/workbook-try}
MACHINE=${TRY_MACHINE:-/var/lib/machines/workbook-try}
PORT=${TRY_PORT:-18800}
TLS_PORT=${TRY_TLS_PORT:-18843}
MIRROR=${TRY_MIRROR:-http://deb.debian.org/debian}
LEARNERS=(ada grace)
ADMIN=instructor
HUB=http://127.0.0.1:$PORT
PY="$ROOT/.venv/bin/python"

started=$SECONDS
step_started=$SECONDS
step_name="checks"
step() {
  printf '   (%ds)\n' $((SECONDS - step_started))
  step_name=$1
  step_started=$SECONDS
  echo "== $step_name"
}
failed() {
  trap - ERR
  [ -z "${failing:-}" ] || exit 1
  failing=1
  echo "try-server: FAILED at \"$step_name\" after $((SECONDS - started)) s (line $1)" >&2
  exit 1
}
trap 'failed $LINENO' ERR

nspawn_pid=""
leader=""
# Every command inside runs as root in the container's namespaces, with a clean environment
# plus what this machine's network needs (trust, set in step 1).
trust=()
inside() {
  nsenter -t "$leader" -m -u -i -p -r -w -- env -i HOME=/root LANG=C.UTF-8 TERM=dumb \
    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin "${trust[@]}" \
    bash -ec "$1"
}
power_off() {
  [ -n "$nspawn_pid" ] || return 0
  kill -TERM "$nspawn_pid" 2>/dev/null || true # nspawn asks the container's systemd to halt
  for _ in $(seq 60); do kill -0 "$nspawn_pid" 2>/dev/null || break; sleep 1; done
  kill -KILL "$nspawn_pid" 2>/dev/null || true
  wait "$nspawn_pid" 2>/dev/null || true
  nspawn_pid=""
}
trap power_off EXIT
wait_for_hub() {
  for _ in $(seq 120); do
    curl -fs -o /dev/null "$HUB/hub/api" && return 0
    sleep 1
  done
  echo "the hub does not answer on $HUB; its log ends:"
  inside 'journalctl -u workbook-hub --no-pager -n 20'
  return 1
}
# A fingerprint of every learner's workbook (files and contents, .git left out).
homes_fingerprint() {
  inside "cd /home && find ${LEARNERS[*]} $ADMIN -name .git -prune -o -type f -print0 \
    | sort -z | xargs -0 sha256sum | sha256sum"
}

echo "== checks"
[ "$(id -u)" = 0 ] || { echo "Run as root: nspawn, debootstrap and the learners' users need it." >&2; exit 2; }
for tool in systemd-nspawn debootstrap nsenter curl chromium; do
  command -v "$tool" >/dev/null || { echo "$tool is missing: apt-get install systemd-container debootstrap chromium curl" >&2; exit 2; }
done
"$PY" -c "import playwright" || { echo "Playwright is missing: make install-browser" >&2; exit 2; }
# Debian's Caddy starts on port 80 before the guide gives it its own site.
for port in "$PORT" $((PORT + 1)) $((PORT + 2)) "$TLS_PORT" 80; do
  if curl -s -o /dev/null "http://127.0.0.1:$port/"; then
    echo "Port $port is in use here, and the container shares this network: TRY_PORT=another" >&2
    exit 2
  fi
done
echo "trying $(git -C "$ROOT" log -1 --format='%h %s' | cut -c1-80)"
git -C "$ROOT" diff --quiet HEAD || echo "(uncommitted changes are not part of the try: it clones HEAD)"

step "1. a clean Debian 12 (debootstrap, cached in $CACHE/bookworm)"
mkdir -p "$CACHE"
if [ ! -d "$CACHE/bookworm" ]; then
  rm -rf "$CACHE/bookworm.tmp"
  nice -n 10 debootstrap --variant=minbase \
    --include=systemd,systemd-sysv,dbus,ca-certificates,adduser,procps,iproute2,sudo \
    bookworm "$CACHE/bookworm.tmp" "$MIRROR" >"$CACHE/debootstrap.log"
  mv "$CACHE/bookworm.tmp" "$CACHE/bookworm"
else
  echo "cached"
fi
rm -rf "$MACHINE" "$CACHE/workbook.git"
mkdir -p "$(dirname "$MACHINE")"
cp -a "$CACHE/bookworm" "$MACHINE"
# The instructor's "git clone URL": this checkout's HEAD, bind-mounted read-only.
git clone --quiet --bare --no-local "$ROOT" "$CACHE/workbook.git"
# This machine reaches the internet through a proxy with a certificate of its own: the
# container trusts what this machine trusts. A server on an open network needs none of it.
if compgen -G "/usr/local/share/ca-certificates/*.crt" >/dev/null; then
  cp /usr/local/share/ca-certificates/*.crt "$MACHINE/usr/local/share/ca-certificates/"
  bundle=/etc/ssl/certs/ca-certificates.crt
  trust=(SSL_CERT_FILE=$bundle PIP_CERT=$bundle NODE_EXTRA_CA_CERTS=$bundle)
fi

step "2. boot it with systemd (systemd-nspawn -b)"
systemd-nspawn -b -D "$MACHINE" -M workbook-try --register=no --keep-unit \
  --bind-ro="$CACHE/workbook.git:/mnt/workbook.git" >"$CACHE/console.log" 2>&1 </dev/null &
nspawn_pid=$!
for _ in $(seq 60); do
  leader=$(pgrep -P "$nspawn_pid" -x systemd) && break
  sleep 0.5
done
[ -n "$leader" ] || { tail -n 5 "$CACHE/console.log"; false; }
inside 'timeout 120 systemctl is-system-running --wait || true'
inside 'update-ca-certificates >/dev/null 2>&1'

step "3. the guide, as root: git, the clone, setup-server.sh"
# The guide's own commands: the first block after the line that starts with $1.
guide_block() {
  awk -v start="$1" 'index($0, start) == 1 { found = 1 } found && /^```$/ && open { exit }
    found && open { print } found && /^```bash$/ { open = 1 }' "$ROOT/docs/jupyterhub.md"
}
commands=$(guide_block "As root, on the server" \
  | sed 's|https://example.org/your/workbook.git|file:///mnt/workbook.git|')
grep -q 'file:///mnt/workbook.git' <<<"$commands"
printf '%s\n' "$commands" | tee "$MACHINE/root/guide.sh" | sed 's/^/   $ /'
inside "cd /root && WORKBOOK_HUB_PORT=$PORT nice -n 10 bash -e guide.sh" 2>&1 | sed 's/^/   /'

step "4. systemd runs the hub"
inside 'systemctl is-enabled workbook-hub && systemctl is-active workbook-hub'
wait_for_hub
# The guide's command for the link, for this hub's address.
link_for() {
  inside "$(guide_block "Then hand out the link" | sed "s|https://hub.example.org|$1|; s|make |make -s |")"
}
link=$(link_for "$HUB")
[[ "$link" == "$HUB/hub/user-redirect/git-pull?"* ]]
echo "link: $link"
setting() { sed -n "s/^$1=//p" "$MACHINE/etc/workbook-hub.env"; }
password=$(setting WORKBOOK_HUB_PASSWORD)
admin_password=$(setting WORKBOOK_HUB_ADMIN_PASSWORD)
[ -n "$password" ] && [ -n "$admin_password" ]
env_before=$(sha256sum <"$MACHINE/etc/workbook-hub.env")

step "5. ${LEARNERS[*]} and $ADMIN log in, pull the workbook, run lesson 00 (Chromium)"
nice -n 10 "$PY" "$ROOT/deploy/jupyterhub/try_class.py" first "$HUB" "$link" \
  --password "$password" --admin "$ADMIN" --admin-password "$admin_password" "${LEARNERS[@]}"

step "6. each home is its owner's; the culler runs"
for name in "${LEARNERS[@]}" "$ADMIN"; do
  inside "test \"\$(stat -c '%U %a' /home/$name)\" = '$name 700'
    test -z \"\$(find /home/$name ! -user $name -print -quit)\"
    test \"\$(stat -c %U /home/$name/workbook/notebooks/mine.txt)\" = $name
    pgrep -u $name -f jupyterhub-singleuser >/dev/null"
  echo "$name: home 700, every file $name's, a server running as $name"
done
inside 'hub=$(systemctl show -p MainPID --value workbook-hub)
  pgrep -P "$hub" -f jupyterhub_idle_culler >/dev/null'
echo "jupyterhub-idle-culler runs under the hub"
before=$(homes_fingerprint)

step "7. systemctl restart workbook-hub keeps everyone's files"
inside 'systemctl restart workbook-hub'
wait_for_hub
[ "$(homes_fingerprint)" = "$before" ]
inside 'hub=$(systemctl show -p MainPID --value workbook-hub)
  for _ in $(seq 30); do pgrep -P "$hub" -f jupyterhub_idle_culler >/dev/null && exit 0; sleep 1; done
  exit 1'
echo "the same files in every home; the culler runs again"

step "8. setup-server.sh a second time changes nothing saved"
inside "cd /opt/workbook && nice -n 10 deploy/jupyterhub/setup-server.sh" 2>&1 | sed 's/^/   /'
wait_for_hub
[ "$(sha256sum <"$MACHINE/etc/workbook-hub.env")" = "$env_before" ]
[ "$(homes_fingerprint)" = "$before" ]
echo "the settings and passwords, and every home, as they were"

step "9. ${LEARNERS[0]} logs in again with the same password and finds their work"
nice -n 10 "$PY" "$ROOT/deploy/jupyterhub/try_class.py" again "$HUB" "$link" \
  --password "$password" "${LEARNERS[0]}"

step "10. the guide's HTTPS: Caddy in front, a login over https://localhost:$TLS_PORT"
# Caddy gives localhost a certificate of its own authority (a public name gets one from
# Let's Encrypt), which Chromium is told to accept.
commands=$(guide_block "Put HTTPS in front of the hub" \
  | sed -e "s|hub.example.org|localhost:$TLS_PORT|" -e "s|127.0.0.1:8000|127.0.0.1:$PORT|")
grep -q "localhost:$TLS_PORT" <<<"$commands"
printf '%s\n' "$commands" | tee "$MACHINE/root/tls.sh" | sed 's/^/   $ /'
inside "cd /root && nice -n 10 bash -e tls.sh" 2>&1 | tail -n 3 | sed 's/^/   /'
tls_link=$(link_for "https://localhost:$TLS_PORT")
[[ "$tls_link" == "https://localhost:$TLS_PORT/hub/user-redirect/git-pull?"* ]]
nice -n 10 "$PY" "$ROOT/deploy/jupyterhub/try_class.py" again "https://localhost:$TLS_PORT" \
  "$tls_link" --password "$password" "${LEARNERS[1]}"

step "11. power off"
power_off
rm -rf "$MACHINE"
step "done"
echo "try-server: the guide works on a clean Debian 12, in $((SECONDS - started)) s"
