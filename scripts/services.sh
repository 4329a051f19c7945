#!/usr/bin/env bash
# Start or stop PostgreSQL, Redis and a Celery worker on loopback, for the services lane
# of CI and for learners going further. Nothing here starts by itself.
#
#   scripts/services.sh install   # Debian packages, where missing (needs root)
#   scripts/services.sh start     # prints the environment to export
#   scripts/services.sh env       # the same environment, again
#   scripts/services.sh stop
#
# Everything lives under $SERVICES_DIR (default: /tmp/workbook-services), owned by the
# postgres user where PostgreSQL needs it (it refuses to run as root).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
SERVICES_DIR=${SERVICES_DIR:-/tmp/workbook-services}
PG_PORT=${PG_PORT:-54329}
REDIS_PORT=${REDIS_PORT:-63799}
VENV=${VENV:-$ROOT/.venv}

say() { echo "services: $*" >&2; }

pg_bin() {
  local dir
  dir=$(ls -d /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sort -V | tail -n 1)
  dir=${dir%/initdb}
  [ -n "$dir" ] || { say "PostgreSQL is not installed: run '$0 install' (as root)"; exit 1; }
  echo "$dir"
}

as_postgres() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

print_env() {
  cat <<ENV
export DATABASE_URL=postgres://postgres@127.0.0.1:$PG_PORT/workbook
export CACHE_URL=redis://127.0.0.1:$REDIS_PORT/1
export CELERY_BROKER_URL=redis://127.0.0.1:$REDIS_PORT/0
ENV
}

install() {
  local missing=()
  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
  command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
  if [ ${#missing[@]} -gt 0 ]; then
    say "installing ${missing[*]} from Debian's packages"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    # policy-rc.d keeps the packages from starting services of their own.
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    rm -f /usr/sbin/policy-rc.d
  fi
}

start_postgres() {
  local bin data=$SERVICES_DIR/pg
  bin=$(pg_bin)
  if [ "$(id -u)" = 0 ]; then id postgres >/dev/null 2>&1 || useradd --system postgres; fi
  mkdir -p "$SERVICES_DIR"
  chmod 755 "$SERVICES_DIR"
  if [ ! -s "$data/PG_VERSION" ]; then
    mkdir -p "$data"
    [ "$(id -u)" = 0 ] && chown postgres "$data"
    as_postgres "$bin/initdb" -D "$data" -U postgres -A trust -E UTF8 --no-locale >/dev/null
  fi
  if as_postgres "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1; then
    say "PostgreSQL already running on port $PG_PORT"
  else
    as_postgres "$bin/pg_ctl" -D "$data" -l "$data/server.log" -w -o \
      "-p $PG_PORT -c listen_addresses=127.0.0.1 -k $data -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
      start >/dev/null
    say "PostgreSQL started on 127.0.0.1:$PG_PORT"
  fi
  as_postgres "$bin/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -tAc \
    "SELECT 1 FROM pg_database WHERE datname = 'workbook'" | grep -q 1 \
    || as_postgres "$bin/createdb" -h 127.0.0.1 -p "$PG_PORT" -U postgres workbook
}

start_redis() {
  mkdir -p "$SERVICES_DIR/redis"
  if redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1; then
    say "Redis already running on port $REDIS_PORT"
    return
  fi
  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --daemonize yes --save '' \
    --appendonly no --dir "$SERVICES_DIR/redis" --pidfile "$SERVICES_DIR/redis/redis.pid" \
    --logfile "$SERVICES_DIR/redis/redis.log"
  for _ in $(seq 50); do redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && break; sleep 0.1; done
  say "Redis started on 127.0.0.1:$REDIS_PORT"
}

start_worker() {
  local pidfile=$SERVICES_DIR/celery.pid
  if [ -s "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
    say "Celery worker already running"
    return
  fi
  # The worker (and the lessons' cache) needs the Redis client: the services extra of
  # the environment (requirements-services.txt).
  make --no-print-directory -C "$ROOT" VENV="$VENV" install-services >&2
  eval "$(print_env)"
  # The worker signs nothing: keys made for the process are enough (demo_project/settings.py).
  export WORKBOOK_EPHEMERAL_KEYS=1
  (cd "$ROOT" && "$VENV/bin/celery" -A demo_project worker --loglevel=WARNING --pool=solo \
    --detach --pidfile="$pidfile" --logfile="$SERVICES_DIR/celery.log")
  for _ in $(seq 100); do
    (cd "$ROOT" && "$VENV/bin/celery" -A demo_project inspect ping --timeout 1 >/dev/null 2>&1) && break
    sleep 0.2
  done
  say "Celery worker started (log: $SERVICES_DIR/celery.log)"
}

stop() {
  local pidfile=$SERVICES_DIR/celery.pid
  if [ -s "$pidfile" ]; then
    local pid
    pid=$(cat "$pidfile")
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    rm -f "$pidfile"
    say "Celery worker stopped"
  fi
  if redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1; then
    redis-cli -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true
    say "Redis stopped"
  fi
  if [ -s "$SERVICES_DIR/pg/PG_VERSION" ]; then
    as_postgres "$(pg_bin)/pg_ctl" -D "$SERVICES_DIR/pg" -m fast stop >/dev/null 2>&1 || true
    say "PostgreSQL stopped"
  fi
}

case "${1:-}" in
  install) install ;;
  start) start_postgres; start_redis; start_worker; print_env ;;
  env) print_env ;;
  stop) stop ;;
  *) echo "usage: $0 install|start|env|stop" >&2; exit 2 ;;
esac
