#!/usr/bin/env bash
# Local PostgreSQL for errorstream: a private cluster (initdb + pg_ctl) on loopback, trust auth.
#   pg.sh start   initdb if needed, start, create the database, wait until it answers (idempotent)
#   pg.sh stop    fast shutdown; idempotent
#   pg.sh status  exit 0 when running
# Environment: ERRORSTREAM_RUN_DIR (default <repo>/.run), PG_PORT (15432), PG_DATABASE (errorstream).
# PostgreSQL refuses to run as root: as root the cluster is owned by and run as the `postgres` user.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
runbase=${ERRORSTREAM_RUN_DIR:-$root/.run}
run=$runbase/pg
port=${PG_PORT:-15432}
database=${PG_DATABASE:-errorstream}

say() { printf 'postgres: %s\n' "$*" >&2; }

find_bindir() {
  local d
  for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    [ -x "$d/pg_ctl" ] && { echo "$d"; return 0; }
  done
  command -v pg_ctl >/dev/null && { dirname "$(readlink -f "$(command -v pg_ctl)")"; return 0; }
  return 1
}

bindir=$(find_bindir || true)
if [ -z "$bindir" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    say "PostgreSQL binaries not found; installing Debian's postgresql package"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql >/dev/null
    bindir=$(find_bindir) || { say "still no pg_ctl after apt-get"; exit 1; }
  else
    say "PostgreSQL server binaries (initdb, pg_ctl) not found; install PostgreSQL 15+"; exit 1
  fi
fi

if [ "$(id -u)" = 0 ]; then
  owner=postgres
  as_owner() { runuser -u postgres -- "$@"; }
else
  owner=$(id -un)
  as_owner() { "$@"; }
fi

prepare_dir() {
  # The owner must be able to reach the data directory. When the checkout sits under a directory
  # it cannot traverse (a 0700 temp dir, /root), the cluster lives in /var/tmp and .run/pg links there.
  mkdir -p "$runbase"
  local real
  if [ -L "$run" ]; then
    real=$(readlink -f "$run")
  elif as_owner test -x "$runbase" 2>/dev/null; then
    real=$run
  else
    real=/var/tmp/errorstream-pg-$(printf '%s' "$runbase" | sha1sum | cut -c1-12)
    ln -sfn "$real" "$run"
    say "the checkout is not reachable by $owner; the cluster lives in $real"
  fi
  mkdir -p "$real"
  [ "$owner" != "$(id -un)" ] && chown "$owner" "$real"
  chmod 700 "$real"
  pgdata=$real/data
}

# A process that exists and is not a zombie (a killed postmaster lingers as one until reaped).
live_pid() {
  local state
  state=$(sed -e 's/^.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1) || return 1
  [ -n "$state" ] && [ "$state" != Z ]
}

running() {
  [ -n "${pgdata:-}" ] || pgdata=$(readlink -f "$run" 2>/dev/null)/data
  [ -f "$pgdata/postmaster.pid" ] || return 1
  live_pid "$(head -n 1 "$pgdata/postmaster.pid")" || return 1
  as_owner "$bindir/pg_ctl" -D "$pgdata" status >/dev/null 2>&1
}

start() {
  prepare_dir
  if running; then say "already running on 127.0.0.1:$port"; ensure_database; return 0; fi
  # A cluster whose initdb never finished (no PG_VERSION) is wiped and created again.
  if [ -d "$pgdata" ] && [ ! -f "$pgdata/PG_VERSION" ]; then rm -rf "$pgdata"; fi
  if [ ! -d "$pgdata" ]; then
    say "initdb in $pgdata"
    as_owner "$bindir/initdb" -D "$pgdata" -A trust -U postgres -E UTF8 --locale=C.UTF-8 >"$runbase/pg-initdb.log" 2>&1 \
      || as_owner "$bindir/initdb" -D "$pgdata" -A trust -U postgres -E UTF8 --locale=C >"$runbase/pg-initdb.log" 2>&1 \
      || { cat "$runbase/pg-initdb.log" >&2; rm -rf "$pgdata"; exit 1; }
  fi
  # A killed postmaster leaves postmaster.pid behind (and lingers as a zombie until reaped,
  # which PostgreSQL would take for a live server): wait for it to go, then drop the stale file.
  if [ -f "$pgdata/postmaster.pid" ]; then
    local stale; stale=$(head -n 1 "$pgdata/postmaster.pid")
    for _ in $(seq 1 50); do [ -e "/proc/$stale" ] || break; sleep 0.2; done
    rm -f "$pgdata/postmaster.pid"
    say "removed the stale postmaster.pid of a crashed run"
  fi
  say "starting on 127.0.0.1:$port"
  as_owner "$bindir/pg_ctl" -D "$pgdata" -l "$pgdata/../postgres.log" -w -t 60 start \
    -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$pgdata/.. -c max_connections=200 -c shared_buffers=256MB -c synchronous_commit=on -c fsync=on -c max_wal_size=2GB -c log_min_messages=warning" \
    >/dev/null || { tail -n 30 "$pgdata/../postgres.log" >&2; exit 1; }
  ensure_database
  say "ready on 127.0.0.1:$port (database $database)"
}

ensure_database() {
  local psql="$bindir/psql"
  [ -x "$psql" ] || psql=psql
  if ! "$psql" -h 127.0.0.1 -p "$port" -U postgres -d postgres -tAc "select 1 from pg_database where datname='$database'" | grep -q 1; then
    "$psql" -h 127.0.0.1 -p "$port" -U postgres -d postgres -qc "create database \"$database\"" >/dev/null
  fi
}

stop() {
  pgdata=$(readlink -f "$run" 2>/dev/null)/data
  if ! running; then say "not running"; return 0; fi
  as_owner "$bindir/pg_ctl" -D "$pgdata" -m fast -w -t 60 stop >/dev/null
  say "stopped"
}

status() {
  pgdata=$(readlink -f "$run" 2>/dev/null)/data
  if running; then echo "postgres: running on 127.0.0.1:$port"; return 0; fi
  echo "postgres: not running"; return 1
}

destroy() {
  stop
  local real; real=$(readlink -f "$run" 2>/dev/null || true)
  [ -n "$real" ] && rm -rf "$real"
  rm -rf "$run"
  say "cluster removed"
}

case "${1:-}" in
  start) start ;;
  destroy) destroy ;;
  stop) stop ;;
  status) status ;;
  logs) tail -n "${2:-100}" "$(readlink -f "$run")/postgres.log" ;;
  *) echo "usage: $0 start|stop|status|logs [N]|destroy" >&2; exit 2 ;;
esac
