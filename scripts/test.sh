#!/usr/bin/env bash
# make test / CI: set up, check the contracts, start a fast private PostgreSQL (unless
# DATABASE_URL is set), run pytest. Arguments go to pytest: scripts/test.sh -k auth -x
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

"$ROOT/scripts/setup.sh"
"$ROOT/scripts/check_contracts.sh"

if [ -z "${DATABASE_URL:-}" ]; then
  PG_FAST=1 "$ROOT/scripts/pg.sh" start
  DATABASE_URL="$("$ROOT/scripts/pg.sh" url)"
  export DATABASE_URL
else
  echo "test: using DATABASE_URL from the environment"
fi

export PATH="$ROOT/.venv/bin:$PATH"   # envoy, grpcurl for end-to-end tests
rc=0
"$ROOT/.venv/bin/python" -m pytest "$@" || rc=$?
if [ "$rc" -eq 5 ]; then
  echo "test: FAILED: pytest collected no tests (exit code 5)" >&2
  exit 1
fi
exit "$rc"
