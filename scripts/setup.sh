#!/usr/bin/env bash
# Prepare a checkout for development, tests and CI. Idempotent; a second run only checks.
#   - .venv (python3 -m venv) with `pip install -e '.[dev]'`, re-run when pyproject.toml changes
#   - a .pth file so the repo root and gen/ are importable from anywhere
#   - PostGIS for the system's PostgreSQL 15 (apt), when missing
#   - buf from npm (node_modules/.bin/buf), when missing or not the locked version
#   - google/{api,rpc,type}/*.proto copied into build/third_party (buf.yaml's second module)
# Environment: PYTHON (default python3), SKIP_APT=1 to skip the PostGIS step.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

PYTHON="${PYTHON:-python3}"
VENV="$ROOT/.venv"
VPY="$VENV/bin/python"
STAMP="$VENV/.p2p-setup-stamp"

say() { printf 'setup: %s\n' "$*"; }
die() { printf 'setup: ERROR: %s\n' "$*" >&2; exit 1; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"
  elif command -v sudo >/dev/null 2>&1; then sudo -n "$@"
  else die "need root for: $* (run as root or install sudo)"; fi
}

apt_install() {
  # Try without `apt-get update` first; refresh the package lists only if that fails
  # (fresh machine with no lists, or stale lists pointing at removed versions).
  export DEBIAN_FRONTEND=noninteractive
  if ! as_root apt-get install -y -q "$@" >/tmp/p2p-apt.log 2>&1; then
    say "apt-get update (package lists missing or stale)"
    as_root apt-get update -q >>/tmp/p2p-apt.log 2>&1 || { cat /tmp/p2p-apt.log >&2; die "apt-get update failed"; }
    as_root apt-get install -y -q "$@" >>/tmp/p2p-apt.log 2>&1 || { tail -n 30 /tmp/p2p-apt.log >&2; die "apt-get install $* failed"; }
  fi
}

# --- Python virtualenv ----------------------------------------------------------------
want_hash="$(cat pyproject.toml | sha256sum | cut -d' ' -f1)"
if [ -x "$VPY" ] && "$VPY" -c 'import sys' >/dev/null 2>&1 \
   && [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$want_hash" ]; then
  say "python: .venv up to date with pyproject.toml (skipped)"
else
  if ! { [ -x "$VPY" ] && "$VPY" -c 'import sys' >/dev/null 2>&1; }; then
    say "python: creating .venv with $PYTHON ($("$PYTHON" --version 2>&1))"
    rm -rf "$VENV"
    if ! "$PYTHON" -m venv "$VENV" 2>/tmp/p2p-venv.log; then
      # Debian ships ensurepip separately.
      if [ "${SKIP_APT:-0}" != 1 ] && command -v apt-get >/dev/null 2>&1; then
        say "python: installing python3-venv (apt)"
        apt_install python3-venv
        rm -rf "$VENV"
        "$PYTHON" -m venv "$VENV" || die "python3 -m venv failed"
      else
        cat /tmp/p2p-venv.log >&2; die "python3 -m venv failed"
      fi
    fi
  fi
  say "python: pip install -e '.[dev]' (pyproject.toml changed or first run)"
  rm -f "$STAMP"
  "$VPY" -m pip install -q --disable-pip-version-check --progress-bar off -e '.[dev]'
  echo "$want_hash" >"$STAMP"
  say "python: done"
fi

# --- Import paths: repo root (services.*) and gen/ (p2p.*) -----------------------------
SITE="$("$VPY" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
PTH="$SITE/p2p_delivery_paths.pth"
want_pth="$(printf '%s\n%s\n' "$ROOT" "$ROOT/gen")"
if [ -f "$PTH" ] && [ "$(cat "$PTH")" = "$want_pth" ]; then
  say "paths: $(basename "$PTH") present (skipped)"
else
  printf '%s\n' "$want_pth" >"$PTH"
  say "paths: wrote $PTH"
fi

# --- PostGIS for the system's PostgreSQL 15 ---------------------------------------------
if [ "${SKIP_APT:-0}" = 1 ]; then
  say "postgis: SKIP_APT=1 (skipped)"
elif dpkg -s postgresql-15-postgis-3 >/dev/null 2>&1; then
  say "postgis: postgresql-15-postgis-3 installed (skipped)"
else
  say "postgis: installing postgresql-15-postgis-3 (apt)"
  apt_install postgresql-15-postgis-3
  say "postgis: done"
fi

# --- buf (npm) --------------------------------------------------------------------------
command -v npm >/dev/null 2>&1 || die "npm not found (Node 20 + npm expected)"
buf_want="$(node -p "try{require('./package-lock.json').packages['node_modules/@bufbuild/buf'].version}catch(e){''}" 2>/dev/null || true)"
buf_have="$(node_modules/.bin/buf --version 2>/dev/null || true)"
if [ -n "$buf_have" ] && { [ -z "$buf_want" ] || [ "$buf_have" = "$buf_want" ]; }; then
  say "buf: node_modules/.bin/buf $buf_have present (skipped)"
else
  if [ -f package-lock.json ]; then
    say "buf: npm ci"
    npm ci --no-audit --no-fund --loglevel=error
  else
    say "buf: npm install (creates package-lock.json: commit it)"
    npm install --no-audit --no-fund --loglevel=error
  fi
  buf_have="$(node_modules/.bin/buf --version)" || die "node_modules/.bin/buf does not run"
  say "buf: $buf_have installed"
fi

# --- google/* protos for buf (build/third_party) ----------------------------------------
GOOGLE_SRC="$("$VPY" -c 'import pathlib, google.api.annotations_pb2 as m; print(pathlib.Path(m.__file__).resolve().parent.parent)')"
TP="$ROOT/build/third_party/google"
copied=0
for sub in api rpc type; do
  mkdir -p "$TP/$sub"
  for f in "$GOOGLE_SRC/$sub"/*.proto; do
    dst="$TP/$sub/$(basename "$f")"
    if ! cmp -s "$f" "$dst"; then cp "$f" "$dst"; copied=$((copied + 1)); fi
  done
done
if [ "$copied" -eq 0 ]; then
  say "protos: build/third_party/google up to date (skipped)"
else
  say "protos: copied $copied google/{api,rpc,type} protos into build/third_party"
fi

say "ready"
