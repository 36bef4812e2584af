#!/usr/bin/env bash
# Stop what scripts/run.sh started (from another terminal). If run.sh is still in the
# foreground it is asked to stop (SIGTERM) and shuts everything down in order; otherwise
# the services (SIGTERM, graceful drain) and then Envoy are stopped from their pid files.
# The private PostgreSQL cluster keeps running: scripts/pg.sh stop.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
RUN="$ROOT/build/run"
GRACE="${SHUTDOWN_GRACE_SECONDS:-10}"

say() { printf 'stop: %s\n' "$*"; }

# shellcheck source=scripts/lib.sh
. "$ROOT/scripts/lib.sh"
wait_gone() {  # wait_gone SECONDS PID...
  local deadline=$((SECONDS + $1)) p left; shift
  while [ "$SECONDS" -lt "$deadline" ]; do
    left=0; for p in "$@"; do if alive "$p"; then left=1; fi; done
    [ "$left" = 0 ] && return 0
    sleep 0.2
  done
  return 1
}

[ -d "$RUN" ] || { say "nothing running"; exit 0; }

if pid="$(ours "$RUN/run.pid")"; then
  say "asking scripts/run.sh (pid $pid) to stop"
  kill -TERM "$pid"
  if wait_gone $(( ${GRACE%.*} + 15 )) "$pid"; then say "stopped"; exit 0; fi
  say "run.sh did not finish in time; stopping its processes directly"
fi

svc=()
for f in "$RUN"/*.pid; do
  [ -e "$f" ] || continue
  case "$(basename "$f")" in run.pid|envoy.pid) continue ;; esac
  if pid="$(ours "$f")"; then
    say "SIGTERM $(basename "$f" .pid) (pid $pid)"; kill -TERM "$pid"; svc+=("$pid")
  fi
  rm -f "$f"
done
if [ "${#svc[@]}" -gt 0 ] && ! wait_gone $(( ${GRACE%.*} + 5 )) "${svc[@]}"; then
  for pid in "${svc[@]}"; do if alive "$pid"; then say "SIGKILL pid $pid"; kill -KILL "$pid" || true; fi; done
fi
if pid="$(ours "$RUN/envoy.pid")"; then
  say "SIGTERM envoy (pid $pid)"; kill -TERM "$pid"
  wait_gone 5 "$pid" || kill -KILL "$pid" || true
fi
rm -f "$RUN"/*.pid
say "stopped (PostgreSQL keeps running: scripts/pg.sh stop)"
