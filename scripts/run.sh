#!/usr/bin/env bash
# make run: the whole platform on this machine, in the foreground. Ctrl-C stops it.
#   setup -> private PostgreSQL (unless DATABASE_URL is set) -> databases + migrations
#   -> Envoy config -> every service in services/registry.py -> Envoy
# Logs: build/logs/<service>.log, build/logs/envoy.log. PIDs: build/run/*.pid (scripts/stop.sh).
# Environment: DATABASE_URL (use your own database), STARTUP_TIMEOUT (s, default 60),
#              SHUTDOWN_GRACE_SECONDS (passed to services too; default 10).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

say() { printf 'run: %s\n' "$*"; }
die() { printf 'run: ERROR: %s\n' "$*" >&2; exit 1; }

"$ROOT/scripts/setup.sh"

VPY="$ROOT/.venv/bin/python"
export PATH="$ROOT/.venv/bin:$PATH"     # envoy, grpcurl
LOGS="$ROOT/build/logs"
RUN="$ROOT/build/run"
mkdir -p "$LOGS" "$RUN"
STARTUP_TIMEOUT="${STARTUP_TIMEOUT:-60}"
GRACE="${SHUTDOWN_GRACE_SECONDS:-10}"

# shellcheck source=scripts/lib.sh
. "$ROOT/scripts/lib.sh"

# --- Stopping: on Ctrl-C/SIGTERM or any exit, stop what this script started ---------------
private_pg=0
NAMES=(); PORTS=(); PIDS=()
ENVOY_PID=""
stopping=0

drop_runpid() { if [ "$(cat "$RUN/run.pid" 2>/dev/null)" = "$$" ]; then rm -f "$RUN/run.pid"; fi; }

stop_all() {
  [ "$stopping" = 1 ] && return 0
  stopping=1
  trap '' INT TERM
  if [ "${#PIDS[@]}" -eq 0 ] && [ -z "$ENVOY_PID" ]; then
    drop_runpid
    if [ "$private_pg" = 1 ]; then say "PostgreSQL is still running; stop it with: scripts/pg.sh stop"; fi
    return 0
  fi
  local i pid deadline left
  if [ "${#PIDS[@]}" -gt 0 ]; then
    say "stopping services (SIGTERM; they drain for up to ${GRACE}s)"
    for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    deadline=$((SECONDS + ${GRACE%.*} + 5))
    while :; do
      left=0
      for pid in "${PIDS[@]}"; do alive "$pid" && left=1; done
      [ "$left" = 0 ] && break
      if [ "$SECONDS" -ge "$deadline" ]; then
        for i in "${!PIDS[@]}"; do
          if alive "${PIDS[$i]}"; then
            say "${NAMES[$i]} did not stop in time: SIGKILL"
            kill -KILL "${PIDS[$i]}" 2>/dev/null || true
          fi
        done
        break
      fi
      sleep 0.2
    done
    for i in "${!NAMES[@]}"; do rm -f "$RUN/${NAMES[$i]}.pid"; done
  fi
  if [ -n "$ENVOY_PID" ]; then
    say "stopping envoy"
    kill -TERM "$ENVOY_PID" 2>/dev/null || true
    deadline=$((SECONDS + 5))
    while alive "$ENVOY_PID" && [ "$SECONDS" -lt "$deadline" ]; do sleep 0.1; done
    alive "$ENVOY_PID" && kill -KILL "$ENVOY_PID" 2>/dev/null || true
    rm -f "$RUN/envoy.pid"
  fi
  wait 2>/dev/null || true
  drop_runpid
  if [ "$private_pg" = 1 ]; then
    say "PostgreSQL is still running ($DATABASE_URL); stop it with: scripts/pg.sh stop"
  fi
  say "stopped"
}
on_signal() { echo; stop_all; exit 0; }
trap on_signal INT TERM
trap stop_all EXIT

# Refuse to start twice.
for f in "$RUN"/*.pid; do
  [ -e "$f" ] || continue
  if ours "$f" >/dev/null; then
    die "already running ($(basename "$f" .pid) pid $(cat "$f")); stop it with scripts/stop.sh"
  fi
  rm -f "$f"
done
echo $$ >"$RUN/run.pid"

# --- Database ---------------------------------------------------------------------------
if [ -z "${DATABASE_URL:-}" ]; then
  private_pg=1
  "$ROOT/scripts/pg.sh" start
  DATABASE_URL="$("$ROOT/scripts/pg.sh" url)"
  export DATABASE_URL
else
  say "using DATABASE_URL from the environment"
fi

say "bootstrapping databases (python -m services.common.dbadmin bootstrap)"
"$VPY" -m services.common.dbadmin bootstrap \
  || die "database bootstrap failed: python -m services.common.dbadmin bootstrap (DATABASE_URL=$DATABASE_URL)"

say "generating build/envoy.yaml"
"$VPY" envoy/generate.py --out build/envoy.yaml || die "envoy/generate.py --out build/envoy.yaml failed"


# --- Services ------------------------------------------------------------------------------
mapfile -t SPECS < <("$VPY" -c '
from services.registry import SERVICES
for s in SERVICES:
    print(s.name, s.listen_port)
')
[ "${#SPECS[@]}" -gt 0 ] || die "services.registry.SERVICES is empty"

for line in "${SPECS[@]}"; do
  read -r name port <<<"$line"
  # setsid: own session, so a terminal Ctrl-C reaches only this script, which then stops
  # the services in order; it also survives this shell's job control.
  setsid "$VPY" -m "services.$name.server" >"$LOGS/$name.log" 2>&1 </dev/null &
  pid=$!
  echo "$pid" >"$RUN/$name.pid"
  NAMES+=("$name"); PORTS+=("$port"); PIDS+=("$pid")
  say "started $name (pid $pid, port $port, log build/logs/$name.log)"
done

# Wait until every service answers SERVING to grpc.health.v1.Health/Check.
health_args=()
for i in "${!NAMES[@]}"; do health_args+=("${NAMES[$i]}:${PORTS[$i]}:${PIDS[$i]}"); done
if ! "$VPY" - "$STARTUP_TIMEOUT" "${health_args[@]}" <<'PY'
import os, sys, time
import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

timeout = float(sys.argv[1])
pending = [a.split(":") for a in sys.argv[2:]]
start = time.monotonic()

def alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False

while pending:
    for item in list(pending):
        name, port, pid = item
        if not alive(pid):
            print(f"run: {name} exited during start-up; last lines of build/logs/{name}.log:", file=sys.stderr)
            try:
                with open(f"build/logs/{name}.log", errors="replace") as f:
                    sys.stderr.write("".join(f.readlines()[-30:]))
            except OSError:
                pass
            sys.exit(1)
        with grpc.insecure_channel(f"127.0.0.1:{port}") as ch:
            try:
                r = health_pb2_grpc.HealthStub(ch).Check(health_pb2.HealthCheckRequest(), timeout=1)
                ok = r.status == health_pb2.HealthCheckResponse.SERVING
            except grpc.RpcError:
                ok = False
        if ok:
            print(f"run: {name} SERVING on 127.0.0.1:{port} ({time.monotonic() - start:.1f}s)")
            pending.remove(item)
    if pending:
        if time.monotonic() - start > timeout:
            names = ", ".join(p[0] for p in pending)
            print(f"run: not SERVING after {timeout:.0f}s: {names} (see build/logs/)", file=sys.stderr)
            sys.exit(1)
        time.sleep(0.2)
PY
then
  die "services did not start"
fi

# --- Envoy ---------------------------------------------------------------------------------
read -r EDGE_PORT ADMIN_PORT < <("$VPY" - <<'PY'
import re
text = open("build/envoy.yaml").read()
def port_after(key, default):
    i = text.find(key)
    m = re.search(r"port_value:\s*(\d+)", text[i:]) if i >= 0 else None
    return m.group(1) if m else default
print(port_after("listeners:", "8080"), port_after("admin:", "9901"))
PY
)
setsid envoy -c build/envoy.yaml --log-level warn >"$LOGS/envoy.log" 2>&1 </dev/null &
ENVOY_PID=$!
echo "$ENVOY_PID" >"$RUN/envoy.pid"
if ! "$VPY" - "$ADMIN_PORT" "$ENVOY_PID" <<'PY'
import os, sys, time, urllib.request
port, pid = sys.argv[1], int(sys.argv[2])
deadline = time.monotonic() + 30
while time.monotonic() < deadline:
    try:
        if urllib.request.urlopen(f"http://127.0.0.1:{port}/ready", timeout=1).status == 200:
            sys.exit(0)
    except OSError:
        pass
    try:
        with open(f"/proc/{pid}/stat") as f:
            if f.read().rsplit(")", 1)[1].split()[0] == "Z":
                break
    except OSError:
        break
    time.sleep(0.1)
sys.exit(1)
PY
then
  tail -n 30 "$LOGS/envoy.log" >&2 || true
  die "envoy is not ready (http://127.0.0.1:$ADMIN_PORT/ready); see build/logs/envoy.log"
fi
say "envoy ready on 127.0.0.1:$EDGE_PORT (admin http://127.0.0.1:$ADMIN_PORT)"

# --- How to reach it -----------------------------------------------------------------------
E="http://127.0.0.1:$EDGE_PORT"
cat <<EOF

The platform is up. Ctrl-C stops it.
  Edge (JSON over HTTP/1.1 and native gRPC): $E
  Envoy admin:  http://127.0.0.1:$ADMIN_PORT   (clusters: http://127.0.0.1:$ADMIN_PORT/clusters)
  Database:     $DATABASE_URL
  Services:
EOF
for i in "${!NAMES[@]}"; do
  printf '    %-14s 127.0.0.1:%-6s log build/logs/%s.log\n' "${NAMES[$i]}" "${PORTS[$i]}" "${NAMES[$i]}"
done
cat <<EOF

  JSON through Envoy:
    curl -s $E/api/v1/auth/jwks
    curl -s -X POST $E/api/v1/auth/register -H 'content-type: application/json' \\
      -d '{"email":"ann@example.com","password":"Str0ng-Passw0rd!","firstName":"Ann","lastName":"Lee","userType":"USER_TYPE_CUSTOMER","acceptTerms":true,"acceptPrivacy":true}'
    curl -s $E/api/v1/auth/me -H "authorization: Bearer \$ACCESS_TOKEN"
  gRPC (grpcurl is in .venv/bin):
    .venv/bin/grpcurl -plaintext 127.0.0.1:$EDGE_PORT list
    .venv/bin/grpcurl -plaintext 127.0.0.1:$EDGE_PORT describe p2p.auth.v1.AuthService
    .venv/bin/grpcurl -plaintext -d '{}' 127.0.0.1:$EDGE_PORT p2p.auth.v1.AuthService/GetJwks
    .venv/bin/grpcurl -plaintext 127.0.0.1:${PORTS[0]} grpc.health.v1.Health/Check     (a service directly)
  Logs: tail -f build/logs/*.log

EOF

# --- Wait; stop everything if a process dies ------------------------------------------------
while :; do
  sleep 2 &
  wait $! || true
  for i in "${!PIDS[@]}"; do
    if ! alive "${PIDS[$i]}"; then
      say "${NAMES[$i]} exited unexpectedly; last lines of build/logs/${NAMES[$i]}.log:"
      tail -n 30 "$LOGS/${NAMES[$i]}.log" >&2 || true
      exit 1
    fi
  done
  if ! alive "$ENVOY_PID"; then
    say "envoy exited unexpectedly; see build/logs/envoy.log"
    tail -n 30 "$LOGS/envoy.log" >&2 || true
    exit 1
  fi
done
