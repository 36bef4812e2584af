#!/usr/bin/env bash
# A private PostgreSQL 15 cluster for development and tests, in .data/pg (git-ignored).
#   scripts/pg.sh start|stop|status|url
# Environment:
#   PG_PORT   port on 127.0.0.1 (default 55432)
#   PG_DATA   data directory (default <repo>/.data/pg)
#   PG_FAST=1 start without durability (fsync/synchronous_commit/full_page_writes off): tests
#   PG_SHARED_BUFFERS=4GB  the server's cache (default 128MB; the matching benchmark wants the trips table in it)
#   PG_BIN    directory with initdb/pg_ctl (default: pg_config --bindir if it is PostgreSQL 15,
#             else /usr/lib/postgresql/15/bin)
#   DATABASE_URL  when set, you run your own database: this script does nothing (url prints it)
# As root, PostgreSQL refuses to run, so the cluster runs as the `postgres` user.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PORT="${PG_PORT:-55432}"
DATA="${PG_DATA:-$ROOT/.data/pg}"
URL="postgresql://postgres@127.0.0.1:${PORT}/postgres"
PG_MAJOR=15

say() { printf 'pg: %s\n' "$*"; }
die() { printf 'pg: ERROR: %s\n' "$*" >&2; exit 1; }

cmd="${1:-}"
case "$cmd" in start|stop|status|url) ;; *) echo "usage: $0 start|stop|status|url" >&2; exit 2 ;; esac

if [ -n "${DATABASE_URL:-}" ]; then
  if [ "$cmd" = url ]; then echo "$DATABASE_URL"; exit 0; fi
  say "DATABASE_URL is set; the private cluster is not managed ($cmd skipped)"
  exit 0
fi

if [ "$cmd" = url ]; then echo "$URL"; exit 0; fi

find_bin() {
  local c cands=()
  [ -n "${PG_BIN:-}" ] && cands+=("$PG_BIN")
  if command -v pg_config >/dev/null 2>&1; then cands+=("$(pg_config --bindir 2>/dev/null || true)"); fi
  cands+=("/usr/lib/postgresql/$PG_MAJOR/bin")
  for c in "${cands[@]}"; do
    [ -n "$c" ] && [ -x "$c/initdb" ] && [ -x "$c/pg_ctl" ] || continue
    # pg_config may belong to another major version (libpq-dev from elsewhere).
    if "$c/pg_ctl" --version 2>/dev/null | grep -q " $PG_MAJOR\."; then echo "$c"; return 0; fi
    [ -n "${PG_BIN:-}" ] && [ "$c" = "$PG_BIN" ] && { echo "$c"; return 0; }
  done
  return 1
}
BIN="$(find_bin)" || die "PostgreSQL $PG_MAJOR server binaries not found (apt-get install postgresql-$PG_MAJOR, or set PG_BIN)"

cd /   # the postgres user may not be able to read the caller's cwd
if [ "$(id -u)" -eq 0 ]; then
  id postgres >/dev/null 2>&1 || die "user 'postgres' not found (install postgresql-$PG_MAJOR)"
  as_pg() { runuser -u postgres -- "$@"; }
else
  as_pg() { "$@"; }
fi

is_running() { [ -f "$DATA/PG_VERSION" ] && as_pg "$BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; }

case "$cmd" in
  status)
    if is_running; then
      running_port="$(sed -n 4p "$DATA/postmaster.pid" 2>/dev/null || true)"
      say "running: postgresql://postgres@127.0.0.1:${running_port:-$PORT}/postgres (data $DATA)"
    elif [ -f "$DATA/PG_VERSION" ]; then
      say "stopped (data $DATA); start with scripts/pg.sh start"; exit 3
    else
      say "not initialised ($DATA); start with scripts/pg.sh start"; exit 3
    fi
    ;;
  start)
    if is_running; then
      running_port="$(sed -n 4p "$DATA/postmaster.pid" 2>/dev/null || true)"
      if [ -n "$running_port" ] && [ "$running_port" != "$PORT" ]; then
        die "the cluster in $DATA is running on port $running_port, not $PORT (scripts/pg.sh stop first, or set PG_PORT=$running_port)"
      fi
      say "already running: $URL"
      exit 0
    fi
    if [ ! -f "$DATA/PG_VERSION" ]; then
      if [ -d "$DATA" ] && [ -n "$(ls -A "$DATA" 2>/dev/null)" ]; then
        die "$DATA exists, is not empty and holds no cluster; remove it"
      fi
      if [ "$(id -u)" -eq 0 ]; then
        install -d -o postgres -g postgres -m 700 "$DATA"
        as_pg test -w "$DATA" || die "user postgres cannot reach $DATA (a parent directory is not searchable by others); set PG_DATA elsewhere"
      else
        install -d -m 700 "$DATA"
      fi
      say "initdb $DATA"
      log="$(mktemp)"
      as_pg "$BIN/initdb" -D "$DATA" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 --no-sync >"$log" 2>&1 \
        || { cat "$log" >&2; rm -f "$log"; die "initdb failed"; }
      rm -f "$log"
    fi
    opts="-p $PORT -k $DATA -c listen_addresses=127.0.0.1 -c shared_buffers=${PG_SHARED_BUFFERS:-128MB}"
    mode=""
    if [ "${PG_FAST:-0}" = 1 ]; then
      opts="$opts -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
      mode=" (PG_FAST: no durability)"
    fi
    if ! as_pg "$BIN/pg_ctl" -D "$DATA" -l "$DATA/server.log" -w -t 60 -o "$opts" start >/dev/null; then
      tail -n 20 "$DATA/server.log" >&2 || true
      die "could not start PostgreSQL on port $PORT (is the port taken? see $DATA/server.log)"
    fi
    say "started$mode: $URL"
    ;;
  stop)
    if is_running; then
      as_pg "$BIN/pg_ctl" -D "$DATA" -m fast -w stop >/dev/null
      say "stopped ($DATA)"
    else
      say "not running ($DATA)"
    fi
    ;;
esac
