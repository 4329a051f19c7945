#!/usr/bin/env bash
# Schemathesis against the served API: every check, on a real runserver on loopback.
#
# A fresh SQLite file is migrated and seeded, runserver serves it with keys made for the
# run, and schemathesis tests every operation of /api/v1/openapi.json with the staff
# user's token (so writes reach the service instead of stopping at 401 or 403).
# Exclusions are in schemathesis.toml, each with its reason. Bounded by API_TEST_SECONDS.
# The token throttle is raised so that fuzzing reaches the endpoint's logic; the throttle
# itself is tested by the project's tests (demo_project/accounts, demo_project/tests).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-.venv/bin}
PORT=${API_TEST_PORT:-$("$BIN/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}
SECONDS_BUDGET=${API_TEST_SECONDS:-90}
WORK=$(mktemp -d)
trap 'kill "$SERVER" 2>/dev/null || true; rm -rf "$WORK"' EXIT

key() { "$BIN/python" -c 'import secrets; print(secrets.token_urlsafe(50))'; }
export DATABASE_URL="sqlite:///$WORK/db.sqlite3" CACHE_URL=locmem:// \
  DJANGO_SECRET_KEY=$(key) JWT_SIGNING_KEY=$(key) DJANGO_ALLOWED_HOSTS=127.0.0.1 \
  DJANGO_FAST_PASSWORD_HASHER=1 TOKEN_THROTTLE_RATE=${TOKEN_THROTTLE_RATE:-600/min}
unset DJANGO_DEBUG CELERY_BROKER_URL WORKBOOK_EPHEMERAL_KEYS

"$BIN/python" manage.py migrate -v 0
"$BIN/python" manage.py seed_catalog --items 50 >/dev/null
"$BIN/python" manage.py runserver "127.0.0.1:$PORT" --noreload >"$WORK/server.log" 2>&1 &
SERVER=$!
BASE="http://127.0.0.1:$PORT"
for _ in $(seq 100); do curl -sf "$BASE/api/v1/tags/" >/dev/null && break; sleep 0.2; done

TOKEN=$(curl -sf -X POST "$BASE/api/v1/auth/token" -H 'Content-Type: application/json' \
  -d '{"username": "admin", "password": "workbook-password"}' \
  | "$BIN/python" -c 'import json, sys; print(json.load(sys.stdin)["access_token"])')

status=0
"$BIN/schemathesis" run "$BASE/api/v1/openapi.json" \
  --header "Authorization: Bearer $TOKEN" --max-time "$SECONDS_BUDGET" \
  --seed "${API_TEST_SEED:-42}" --workers 1 || status=$?
if grep -q "Internal Server Error\|Traceback" "$WORK/server.log"; then
  echo "The server logged an error:"; grep -B2 -A20 "Traceback" "$WORK/server.log" | head -60
  status=1
fi
exit $status
