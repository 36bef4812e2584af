#!/usr/bin/env bash
# Contract checks (make lint; also the first step of make test and CI):
#   1. buf lint
#   2. buf breaking against the previous commit (BUF_AGAINST_REF, default HEAD~1); skipped
#      with a message when there is no such commit (first commit, shallow clone) or it has
#      no proto/ directory
#   3. gen/ is what scripts/gen_proto.py produces from proto/ ("gen/ is stale: run make proto")
#   4. when envoy/generate.py exists: envoy/envoy.yaml is up to date (generate.py --check) and
#      the generated config passes `envoy --mode validate`
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

say() { printf 'contracts: %s\n' "$*"; }
fail() { printf 'contracts: FAILED: %s\n' "$*" >&2; exit 1; }

VPY="$ROOT/.venv/bin/python"
BUF="$ROOT/node_modules/.bin/buf"
if [ ! -x "$VPY" ] || [ ! -x "$BUF" ] || [ ! -f build/third_party/google/api/annotations.proto ]; then
  "$ROOT/scripts/setup.sh"
fi

# --- 1. lint ------------------------------------------------------------------------------
"$BUF" lint || fail "buf lint (see above)"
say "buf lint: ok"

# --- 2. breaking changes --------------------------------------------------------------------
REF="${BUF_AGAINST_REF:-HEAD~1}"
if ! git rev-parse --git-dir >/dev/null 2>&1; then
  say "buf breaking: skipped (not a git checkout)"
elif ! git rev-parse --verify -q "$REF^{commit}" >/dev/null; then
  if [ "$(git rev-parse --is-shallow-repository 2>/dev/null)" = true ]; then
    say "buf breaking: skipped ($REF is not in this shallow clone; fetch more history to check)"
  else
    say "buf breaking: skipped (no $REF to compare against)"
  fi
elif ! git cat-file -e "$REF:proto" 2>/dev/null; then
  say "buf breaking: skipped ($REF has no proto/ directory)"
else
  # buf's '.git#ref=...' input cannot be used directly: the google/* protos live in the
  # git-ignored build/third_party, so buf would find that module empty at the old commit.
  # Export the old tree and add the same third-party protos to it.
  BASE="$ROOT/build/breaking-base"
  rm -rf "$BASE"; mkdir -p "$BASE"
  git archive "$REF" proto $(git cat-file -e "$REF:buf.yaml" 2>/dev/null && echo buf.yaml) | tar -x -C "$BASE"
  [ -f "$BASE/buf.yaml" ] || cp buf.yaml "$BASE/buf.yaml"
  mkdir -p "$BASE/build"
  cp -r build/third_party "$BASE/build/third_party"
  "$BUF" breaking --against "$BASE" || fail "buf breaking against $REF (see above). An intended break needs a new package version (v2)."
  say "buf breaking against $REF ($(git rev-parse --short "$REF")): ok"
fi

# --- 3. gen/ staleness ------------------------------------------------------------------------
CHECK="$ROOT/build/gen-check"
"$VPY" scripts/gen_proto.py "$CHECK" >/dev/null || fail "scripts/gen_proto.py failed"
if diff -r -q -x __pycache__ gen "$CHECK" >/dev/null 2>&1; then
  say "gen/ up to date"
else
  # Not byte-identical. Tolerate only what does not change the contract: the generator's
  # version stamps (a different grpcio-tools patch release) and a descriptor set that
  # serialises differently but parses to the same descriptors.
  if "$VPY" - gen "$CHECK" <<'PY'
import difflib, pathlib, re, sys
from google.protobuf import descriptor_pb2

a, b = map(pathlib.Path, sys.argv[1:3])
def files(d):
    return {p.relative_to(d).as_posix() for p in d.rglob("*") if p.is_file() and "__pycache__" not in p.parts}

STAMP = re.compile(r"^(# Protobuf Python Version: .*|GRPC_GENERATED_VERSION = .*)$", re.M)
RUNTIME = re.compile(r"_runtime_version\.ValidateProtobufRuntimeVersion\(.*?\n\)", re.S)
def norm(text):
    return STAMP.sub("", RUNTIME.sub("", text))

problems, stamped = [], []
fa, fb = files(a), files(b)
for f in sorted(fa - fb):
    problems.append(f"gen/{f}: not generated from proto/ (remove it)")
for f in sorted(fb - fa):
    problems.append(f"gen/{f}: missing")
for f in sorted(fa & fb):
    x, y = (a / f).read_bytes(), (b / f).read_bytes()
    if x == y:
        continue
    if f.endswith(".pb"):
        sx, sy = descriptor_pb2.FileDescriptorSet(), descriptor_pb2.FileDescriptorSet()
        sx.ParseFromString(x); sy.ParseFromString(y)
        if sx == sy:
            stamped.append(f)
            continue
        problems.append(f"gen/{f}: descriptors differ")
        continue
    tx, ty = x.decode(), y.decode()
    if norm(tx) == norm(ty):
        stamped.append(f)
        continue
    diff = list(difflib.unified_diff(tx.splitlines(), ty.splitlines(), f"gen/{f}", f"generated/{f}", lineterm="", n=1))
    problems.append(f"gen/{f}: differs\n" + "\n".join(diff[:40]) + ("\n..." if len(diff) > 40 else ""))
for p in problems:
    print(p, file=sys.stderr)
if problems:
    sys.exit(1)
print("contracts: note: gen/ differs from a fresh generation only in generator version stamps or "
      "descriptor encoding (" + ", ".join(stamped) + "); `make proto` would refresh them")
PY
  then
    say "gen/ up to date"
  else
    fail "gen/ is stale: run make proto"
  fi
fi

# --- 4. Envoy config ----------------------------------------------------------------------------
if [ -f envoy/generate.py ]; then
  if [ -f envoy/envoy.yaml ]; then
    "$VPY" envoy/generate.py --check || fail "envoy/envoy.yaml is stale: run make proto"
  fi
  "$VPY" envoy/generate.py --out build/envoy-check.yaml >/dev/null || fail "envoy/generate.py failed"
  # Validate mode logs harmless errors (e.g. remote JWKS fetches): show them only on failure.
  if ! "$ROOT/.venv/bin/envoy" --mode validate -c build/envoy-check.yaml >build/envoy-check.log 2>&1; then
    cat build/envoy-check.log >&2
    fail "envoy --mode validate rejected the generated config (build/envoy-check.yaml)"
  fi
  say "envoy config: valid"
else
  say "envoy config: skipped (no envoy/generate.py yet)"
fi
say "all checks passed"
