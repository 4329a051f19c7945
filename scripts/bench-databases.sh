#!/usr/bin/env bash
# make bench on both databases, one after the other on this machine, then one table of the
# two side by side (docs/benchmarks.md, the README's "Measured"):
#
#   scripts/bench-databases.sh          # or: make bench-databases
#
# SQLite in memory first (the full run, `make test` included), then PostgreSQL and Redis:
# the ones DATABASE_URL and CACHE_URL name, or else the services scripts/services.sh
# starts here (and stops at the end). Written under var/: bench.* (SQLite),
# bench-postgresql.* (PostgreSQL) and bench-databases.md (the two side by side).
set -euo pipefail
cd "$(dirname "$0")/.."
python=.venv/bin/python

echo "== SQLite (in memory), local-memory cache"
env -u DATABASE_URL -u CACHE_URL -u CELERY_BROKER_URL \
  make --no-print-directory bench

echo "== PostgreSQL and Redis"
if [ -z "${DATABASE_URL:-}" ]; then
  trap 'scripts/services.sh stop' EXIT
  eval "$(scripts/services.sh start)"
fi
$python -m demo_project.tools.bench --without-test-suite \
  --csv var/bench-postgresql.csv --png var/bench-postgresql.png --md var/bench-postgresql.md

echo "== side by side"
$python -m demo_project.tools.bench --side-by-side \
  SQLite=var/bench.csv PostgreSQL=var/bench-postgresql.csv --md var/bench-databases.md
echo "Written: var/bench-databases.md (plots: var/bench.png, var/bench-postgresql.png)"
