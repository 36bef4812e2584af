"""Generate the Envoy edge bootstrap (envoy/envoy.yaml) from services/registry.py.

Nothing in the output is written per service by hand: listeners, transcoder services,
JWT rules, routes and clusters all come from `registry.SERVICES`, so a service added to the
registry is transcoded, authenticated and routed after one regeneration.

Usage (from the repository root):

    python envoy/generate.py                 # the committed envoy/envoy.yaml, defaults only
    python envoy/generate.py --out build/envoy.yaml [--port 18080] [--admin-port 19901]
                             [--host 0.0.0.0] [--descriptor /abs/gen/descriptors.pb]
    python envoy/generate.py --check         # exit 1 when envoy/envoy.yaml is stale

Writing the committed file (no --out) ignores the environment: it is always the defaults,
with the descriptor path relative to the repository root (Envoy runs with cwd = repo root).
With --out, the environment is read and command-line options win over it:

    ENVOY_HOST (127.0.0.1)  ENVOY_PORT (8080)  ENVOY_ADMIN_PORT (9901)
    ENVOY_DESCRIPTOR_PATH   (absolute path of gen/descriptors.pb)
    JWT_ISSUER (p2p-auth)   JWT_AUDIENCE (p2p-api)
    <NAME>_ADDR             (host:port of a service, default 127.0.0.1:<registry port>; for
                             Envoy, a comma-separated list of replicas: host:port,host:port)

Reads (methods whose HTTP rule is a GET) are retried on another replica when the one chosen
cannot be reached, resets the stream, or answers UNAVAILABLE (read_methods, READ_RETRY_POLICY).

Python API: `build_config(port, admin_port, descriptor_path, addresses, ...) -> dict`,
`render(config) -> str` and `write(path, ...)`.
"""
from __future__ import annotations

import argparse
import ipaddress
import json
import os
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
for _p in (str(ROOT / "gen"), str(ROOT)):
    if _p not in sys.path:
        sys.path.insert(0, _p)

from services import registry  # noqa: E402

COMMITTED = ROOT / "envoy" / "envoy.yaml"
DESCRIPTOR = ROOT / "gen" / "descriptors.pb"
RELATIVE_DESCRIPTOR = "gen/descriptors.pb"   # used in the committed file (cwd = repo root)

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8080
DEFAULT_ADMIN_PORT = 9901
DEFAULT_ISSUER = "p2p-auth"
DEFAULT_AUDIENCE = "p2p-api"

JWT_PROVIDER = "p2p_auth"
JWKS_CLUSTER = "jwks_self"
JWKS_PATH = "/api/v1/auth/jwks"   # GetJwks, transcoded and public

# Envoy's own (local) error replies → google.rpc.Status code, same JSON shape as the
# transcoder's convert_grpc_status output. Anything else >= 400 becomes 2 (UNKNOWN).
LOCAL_REPLY_CODES: tuple[tuple[int, int], ...] = (
    (400, 3),    # INVALID_ARGUMENT (transcoder parse errors, unknown query parameters)
    (401, 16),   # UNAUTHENTICATED (jwt_authn: missing, expired, bad signature)
    (403, 7),    # PERMISSION_DENIED (jwt_authn: audience not allowed)
    (404, 5),    # NOT_FOUND (unknown method / path)
    (405, 12),   # UNIMPLEMENTED
    (408, 4),    # DEADLINE_EXCEEDED
    (413, 8),    # RESOURCE_EXHAUSTED (body too large)
    (429, 8),    # RESOURCE_EXHAUSTED
    (431, 8),    # RESOURCE_EXHAUSTED (headers too large)
    (500, 13),   # INTERNAL
    (501, 12),   # UNIMPLEMENTED
    (502, 14),   # UNAVAILABLE
    (503, 14),   # UNAVAILABLE (no healthy upstream, connect failure)
    (504, 4),    # DEADLINE_EXCEEDED (upstream timeout)
)
FALLBACK_CODE = 2

ACCESS_LOG_FORMAT = {
    "start_time": "%START_TIME%",
    "method": "%REQ(X-ENVOY-ORIGINAL-METHOD?:METHOD)%",
    "original_path": "%REQ(X-ENVOY-ORIGINAL-PATH)%",
    "path": "%REQ(:PATH)%",
    "protocol": "%PROTOCOL%",
    "response_code": "%RESPONSE_CODE%",
    "response_code_details": "%RESPONSE_CODE_DETAILS%",
    "response_flags": "%RESPONSE_FLAGS%",
    "grpc_status": "%GRPC_STATUS_NUMBER%",
    "duration_ms": "%DURATION%",
    "bytes_received": "%BYTES_RECEIVED%",
    "bytes_sent": "%BYTES_SENT%",
    "request_id": "%REQ(X-REQUEST-ID)%",
    "sub": "%REQ(X-JWT-SUB)%",
    "upstream_cluster": "%UPSTREAM_CLUSTER%",
    "upstream_host": "%UPSTREAM_HOST%",
    "client": "%DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT%",
}


def _typed(type_name: str, **fields) -> dict:
    return {"@type": f"type.googleapis.com/{type_name}", **fields}


def _split_hostport(addr: str) -> tuple[str, int]:
    host, _, port = addr.rpartition(":")
    if not host or not port.isdigit():
        raise ValueError(f"address must be host:port, got {addr!r}")
    return host.strip("[]"), int(port)


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def cluster_name(spec: registry.ServiceSpec) -> str:
    return spec.name


def default_addresses() -> dict[str, str]:
    return {s.name: f"127.0.0.1:{s.port}" for s in registry.SERVICES}


def env_addresses(environ=os.environ) -> dict[str, str]:
    """<NAME>_ADDR overrides, as ServiceSpec.address reads them."""
    return {s.name: environ.get(f"{s.name.upper()}_ADDR", f"127.0.0.1:{s.port}")
            for s in registry.SERVICES}


# --------------------------------------------------------------------------- pieces

def transcoded_services() -> list[str]:
    out: list[str] = []
    for spec in registry.SERVICES:
        for svc in spec.grpc_services:
            if svc not in out:
                out.append(svc)
    return out


def public_methods() -> list[str]:
    seen: list[str] = []
    for spec in registry.SERVICES:
        for m in sorted(spec.public_methods):
            if m not in seen:
                seen.append(m)
    return seen


def jwt_rules() -> list[dict]:
    """First match wins: public exact paths, infrastructure prefixes, then every service
    prefix requires a token, and so does anything else (unknown paths)."""
    requires = {"provider_name": JWT_PROVIDER}
    rules: list[dict] = [{"match": {"path": m}} for m in public_methods()]
    rules += [{"match": {"prefix": p}} for p in registry.ALWAYS_PUBLIC_PREFIXES]
    rules += [{"match": {"prefix": f"/{svc}/"}, "requires": dict(requires)}
              for svc in transcoded_services()]
    rules.append({"match": {"prefix": "/"}, "requires": dict(requires)})
    return rules


def jwt_filter(port: int, self_host: str, issuer: str, audience: str) -> dict:
    provider = {
        "issuer": issuer,
        "audiences": [audience],
        "remote_jwks": {
            # The host in the URI is ignored: the cluster decides where it goes. It goes to
            # this Envoy's own listener, which transcodes it to the public AuthService.GetJwks.
            "http_uri": {
                "uri": f"http://{_uri_host(self_host)}:{port}{JWKS_PATH}",
                "cluster": JWKS_CLUSTER,
                "timeout": "2s",
            },
            "cache_duration": "30s",
            # fast_listener: the fetch goes through our own listener, so the listener must
            # not wait for it (it would only be refused and delay start-up).
            "async_fetch": {"fast_listener": True, "failed_refetch_duration": "1s"},
            "retry_policy": {
                "num_retries": 1,
                "retry_back_off": {"base_interval": "0.1s", "max_interval": "1s"},
            },
        },
        "from_headers": [{"name": "authorization", "value_prefix": "Bearer "}],
        "forward": True,   # services verify the token again
        "claim_to_headers": [{"header_name": "x-jwt-sub", "claim_name": "sub"}],
    }
    return {
        "name": "envoy.filters.http.jwt_authn",
        "typed_config": _typed(
            "envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication",
            providers={JWT_PROVIDER: provider},
            rules=jwt_rules(),
        ),
    }


def transcoder_filter(descriptor_path: str) -> dict:
    return {
        "name": "envoy.filters.http.grpc_json_transcoder",
        "typed_config": _typed(
            "envoy.extensions.filters.http.grpc_json_transcoder.v3.GrpcJsonTranscoder",
            proto_descriptor=descriptor_path,
            services=transcoded_services(),
            auto_mapping=False,
            convert_grpc_status=True,
            print_options={
                "add_whitespace": False,
                "always_print_primitive_fields": True,
                "always_print_enums_as_ints": False,
                "preserve_proto_field_names": False,
            },
            request_validation_options={
                "reject_unknown_method": True,
                "reject_unknown_query_parameters": True,
                "reject_binding_body_field_collisions": True,
            },
        ),
    }


def _native_grpc() -> dict:
    """A native gRPC request: content-type application/grpc* and not a transcoded JSON
    request (the transcoder sets x-envoy-original-path when it rewrites one)."""
    return {"and_filter": {"filters": [
        {"header_filter": {"header": {"name": "content-type",
                                      "string_match": {"prefix": "application/grpc"}}}},
        {"header_filter": {"header": {"name": "x-envoy-original-path", "present_match": False}}},
    ]}}


def _status_filter(op: str, http_status: int) -> dict:
    return {"status_code_filter": {"comparison": {
        "op": op,
        "value": {"default_value": http_status,
                  "runtime_key": f"p2p.local_reply.{op.lower()}_{http_status}"},
    }}}


def _status_body(code: int) -> dict:
    return {
        "json_format": {"code": code, "message": "%LOCAL_REPLY_BODY%", "details": []},
        "content_type": "application/json",
    }


def local_reply_config() -> dict:
    """The first matching mapper wins. Native gRPC replies match the first one, which
    changes nothing (no top-level body_format), so they keep grpc-status/grpc-message."""
    mappers: list[dict] = [{"filter": _native_grpc()}]
    mappers += [{"filter": _status_filter("EQ", http_status), "body_format_override": _status_body(code)}
                for http_status, code in LOCAL_REPLY_CODES]
    mappers.append({"filter": _status_filter("GE", 400), "body_format_override": _status_body(FALLBACK_CODE)})
    return {"mappers": mappers}


# Reads are safe to send again: up to two retries, each on a replica not tried yet, when the
# replica chosen refuses the connection or the stream, resets it, or answers UNAVAILABLE (down,
# draining, or its database out of reach). Nothing is retried once the response has begun.
READ_RETRY_POLICY = {
    "retry_on": "connect-failure,refused-stream,reset,unavailable",
    "num_retries": 2,
    "retry_host_predicate": [{
        "name": "envoy.retry_host_predicates.previous_hosts",
        "typed_config": _typed("envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate"),
    }],
    "host_selection_retry_max_attempts": 3,
}


def _grpc_route(match: dict, cluster: str, retry: dict | None = None) -> dict:
    route = {
        "cluster": cluster,
        # The route timeout would cover a whole stream: off, bounded by the caller's
        # grpc-timeout (at most 60 s); idle streams by stream_idle_timeout. Retries for reads only.
        "timeout": "0s",
        "max_stream_duration": {"grpc_timeout_header_max": "60s"},
    }
    if retry:
        route["retry_policy"] = retry
    return {"match": match, "route": route}


def read_methods(descriptor: pathlib.Path = DESCRIPTOR) -> list[str]:
    """"/pkg.Service/Method" of every method of a routed service whose HTTP rule is a GET."""
    from google.api import annotations_pb2
    from google.protobuf import descriptor_pb2
    routed = set(transcoded_services())
    out = []
    for f in descriptor_pb2.FileDescriptorSet.FromString(descriptor.read_bytes()).file:
        for svc in f.service:
            name = f"{f.package}.{svc.name}"
            if name not in routed:
                continue
            for m in svc.method:
                # re-parsed so that the google.api.http extension is known whatever was loaded first
                opts = descriptor_pb2.MethodOptions.FromString(m.options.SerializeToString())
                if opts.HasExtension(annotations_pb2.http) and opts.Extensions[annotations_pb2.http].get:
                    out.append(f"/{name}/{m.name}")
    return sorted(out)


def routes() -> list[dict]:
    owner = {svc: cluster_name(spec) for spec in registry.SERVICES for svc in spec.grpc_services}
    out: list[dict] = [_grpc_route({"path": m}, owner[m.split("/")[1]], READ_RETRY_POLICY) for m in read_methods()]
    for spec in registry.SERVICES:
        for svc in spec.grpc_services:
            out.append(_grpc_route({"prefix": f"/{svc}/"}, cluster_name(spec)))
    # Health and reflection go to the first service so grpcurl works through Envoy.
    infra = cluster_name(registry.SERVICES[0])
    out += [_grpc_route({"prefix": p}, infra) for p in registry.ALWAYS_PUBLIC_PREFIXES]
    out.append({
        "match": {"prefix": "/"},
        "direct_response": {"status": 404, "body": {"inline_string": "Not Found"}},
    })
    return out


def _uri_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def _endpoint(host: str, port: int) -> dict:
    return {"endpoint": {"address": {"socket_address": {"address": host, "port_value": port}}}}


def service_cluster(spec: registry.ServiceSpec, address: str) -> dict:
    """`address`: host:port, or several (replicas) separated by commas."""
    hosts = [_split_hostport(a.strip()) for a in address.split(",") if a.strip()]
    name = cluster_name(spec)
    cluster: dict = {
        "name": name,
        "type": "STATIC" if all(_is_ip(h) for h, _ in hosts) else "STRICT_DNS",
        "connect_timeout": "1s",
        "lb_policy": "ROUND_ROBIN",
        "typed_extension_protocol_options": {
            "envoy.extensions.upstreams.http.v3.HttpProtocolOptions": _typed(
                "envoy.extensions.upstreams.http.v3.HttpProtocolOptions",
                explicit_http_config={"http2_protocol_options": {}},
            ),
        },
        "load_assignment": {"cluster_name": name,
                            "endpoints": [{"lb_endpoints": [_endpoint(h, p) for h, p in hosts]}]},
        "health_checks": [{
            "timeout": "1s",
            "interval": "2s",
            "no_traffic_interval": "2s",
            "unhealthy_threshold": 2,
            "healthy_threshold": 1,
            "grpc_health_check": {"service_name": ""},
        }],
        # A service that is down or NOT_SERVING gets a fast 503 (UNAVAILABLE) instead of
        # panic routing to it.
        "common_lb_config": {"healthy_panic_threshold": {"value": 0}},
        "circuit_breakers": {"thresholds": [{
            "priority": "DEFAULT",
            "max_connections": 10000,
            "max_pending_requests": 10000,
            "max_requests": 10000,
            "max_retries": 10,
        }]},
    }
    if cluster["type"] == "STRICT_DNS":
        cluster["dns_lookup_family"] = "V4_PREFERRED"   # "localhost" → 127.0.0.1, as services listen
    return cluster


def jwks_cluster(self_host: str, port: int) -> dict:
    return {
        "name": JWKS_CLUSTER,
        "type": "STATIC" if _is_ip(self_host) else "STRICT_DNS",
        "connect_timeout": "1s",
        "load_assignment": {"cluster_name": JWKS_CLUSTER,
                            "endpoints": [{"lb_endpoints": [_endpoint(self_host, port)]}]},
    }


# --------------------------------------------------------------------------- whole config

def build_config(port: int = DEFAULT_PORT, admin_port: int = DEFAULT_ADMIN_PORT,
                 descriptor_path: str = RELATIVE_DESCRIPTOR,
                 addresses: dict[str, str] | None = None, *,
                 host: str = DEFAULT_HOST, issuer: str = DEFAULT_ISSUER,
                 audience: str = DEFAULT_AUDIENCE) -> dict:
    """The Envoy v3 bootstrap as a dict. `addresses` maps a registry service name to
    host:port (missing names default to 127.0.0.1:<registry port>)."""
    addrs = default_addresses()
    unknown = set(addresses or {}) - set(addrs)
    if unknown:
        raise KeyError(f"not in the registry: {sorted(unknown)}")
    addrs.update(addresses or {})
    # Where Envoy reaches its own listener for the JWKS fetch.
    self_host = "127.0.0.1" if host in ("0.0.0.0", "") else ("::1" if host == "::" else host)

    hcm = _typed(
        "envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager",
        stat_prefix="edge",
        codec_type="AUTO",   # JSON over HTTP/1.1 and native gRPC over h2c on one port
        use_remote_address=True,
        generate_request_id=True,
        normalize_path=True,
        merge_slashes=True,
        stream_idle_timeout="300s",
        access_log=[{
            "name": "envoy.access_loggers.stdout",
            "typed_config": _typed(
                "envoy.extensions.access_loggers.stream.v3.StdoutAccessLog",
                log_format={"json_format": dict(ACCESS_LOG_FORMAT)},
            ),
        }],
        local_reply_config=local_reply_config(),
        route_config={
            "name": "edge",
            "virtual_hosts": [{"name": "edge", "domains": ["*"], "routes": routes()}],
        },
        http_filters=[
            transcoder_filter(descriptor_path),
            jwt_filter(port, self_host, issuer, audience),
            {"name": "envoy.filters.http.router",
             "typed_config": _typed("envoy.extensions.filters.http.router.v3.Router")},
        ],
    )
    return {
        "admin": {"address": {"socket_address": {"address": "127.0.0.1", "port_value": admin_port}}},
        "static_resources": {
            "listeners": [{
                "name": "edge",
                "address": {"socket_address": {"address": host, "port_value": port}},
                "filter_chains": [{"filters": [{
                    "name": "envoy.filters.network.http_connection_manager",
                    "typed_config": hcm,
                }]}],
            }],
            "clusters": [service_cluster(s, addrs[s.name]) for s in registry.SERVICES]
                        + [jwks_cluster(self_host, port)],
        },
    }


# --------------------------------------------------------------------------- YAML output
# A small deterministic emitter (no PyYAML dependency): block style, strings quoted as JSON
# (a JSON string is a valid YAML double-quoted scalar) unless they are plainly safe.

_PLAIN = re.compile(r"^[A-Za-z_/][A-Za-z0-9_./-]*$")
_RESERVED = {"true", "false", "yes", "no", "on", "off", "y", "n", "null", "~"}


def _scalar(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, str):
        if _PLAIN.match(v) and v.lower() not in _RESERVED:
            return v
        return json.dumps(v)
    raise TypeError(f"cannot render {type(v).__name__}: {v!r}")


def _emit(obj, indent: int, lines: list[str]) -> None:
    pad = " " * indent
    if isinstance(obj, dict):
        for k, v in obj.items():
            key = _scalar(str(k))
            if isinstance(v, dict) and v:
                lines.append(f"{pad}{key}:")
                _emit(v, indent + 2, lines)
            elif isinstance(v, list) and v:
                lines.append(f"{pad}{key}:")
                _emit(v, indent + 2, lines)
            else:
                lines.append(f"{pad}{key}: {_inline(v)}")
    elif isinstance(obj, list):
        for item in obj:
            if isinstance(item, (dict, list)) and item:
                sub: list[str] = []
                _emit(item, indent + 2, sub)
                first = sub[0]
                if isinstance(item, list):
                    lines.append(f"{pad}-")
                    lines.extend(sub)
                else:
                    lines.append(f"{pad}- {first[indent + 2:]}")
                    lines.extend(sub[1:])
            else:
                lines.append(f"{pad}- {_inline(item)}")
    else:
        lines.append(pad + _scalar(obj))


def _inline(v) -> str:
    if isinstance(v, dict):
        return "{}"
    if isinstance(v, list):
        return "[]"
    return _scalar(v)


HEADER = """\
# GENERATED by envoy/generate.py from services/registry.py. Do not edit by hand:
# change the registry (or the generator) and run `python envoy/generate.py`.
# Run Envoy with the repository root as its working directory when proto_descriptor is
# relative (it is in the committed envoy/envoy.yaml).
"""


def render(config: dict, header: str = HEADER) -> str:
    lines: list[str] = []
    _emit(config, 0, lines)
    return header + "\n".join(lines) + "\n"


def write(path, port: int = DEFAULT_PORT, admin_port: int = DEFAULT_ADMIN_PORT,
          descriptor_path: str = RELATIVE_DESCRIPTOR, addresses: dict[str, str] | None = None,
          **kw) -> pathlib.Path:
    path = pathlib.Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    text = render(build_config(port, admin_port, descriptor_path, addresses, **kw))
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text)
    tmp.replace(path)
    return path


def committed_text() -> str:
    """What envoy/envoy.yaml must contain: the defaults, nothing from the environment."""
    return render(build_config())


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", help="output path (default: the committed envoy/envoy.yaml, defaults only)")
    ap.add_argument("--host", help="listener address (ENVOY_HOST, default 127.0.0.1)")
    ap.add_argument("--port", type=int, help="listener port (ENVOY_PORT, default 8080)")
    ap.add_argument("--admin-port", type=int, help="admin port (ENVOY_ADMIN_PORT, default 9901)")
    ap.add_argument("--descriptor", help="proto descriptor set path (ENVOY_DESCRIPTOR_PATH)")
    ap.add_argument("--addr", action="append", default=[], metavar="NAME=HOST:PORT",
                    help="service address override (also <NAME>_ADDR); repeatable")
    ap.add_argument("--check", action="store_true", help="exit 1 if envoy/envoy.yaml is stale")
    args = ap.parse_args(argv)

    if args.check:
        if not COMMITTED.exists() or COMMITTED.read_text() != committed_text():
            print("envoy/envoy.yaml is stale: run python envoy/generate.py", file=sys.stderr)
            return 1
        return 0

    if args.out is None:
        if any(v is not None for v in (args.host, args.port, args.admin_port, args.descriptor)) or args.addr:
            ap.error("envoy/envoy.yaml is always generated with defaults; add --out PATH for overrides")
        environ: dict[str, str] = {}            # the committed file is the defaults
        out = COMMITTED
        descriptor_default = RELATIVE_DESCRIPTOR
    else:
        environ = dict(os.environ)
        out = pathlib.Path(args.out)
        descriptor_default = str(DESCRIPTOR)

    addresses = env_addresses(environ)
    for item in args.addr:
        name, _, addr = item.partition("=")
        if name not in addresses or not addr:
            ap.error(f"--addr wants NAME=HOST:PORT with NAME in the registry, got {item!r}")
        addresses[name] = addr

    path = write(
        out,
        port=args.port or int(environ.get("ENVOY_PORT", DEFAULT_PORT)),
        admin_port=args.admin_port or int(environ.get("ENVOY_ADMIN_PORT", DEFAULT_ADMIN_PORT)),
        descriptor_path=args.descriptor or environ.get("ENVOY_DESCRIPTOR_PATH", descriptor_default),
        addresses=addresses,
        host=args.host or environ.get("ENVOY_HOST", DEFAULT_HOST),
        issuer=environ.get("JWT_ISSUER", DEFAULT_ISSUER),
        audience=environ.get("JWT_AUDIENCE", DEFAULT_AUDIENCE),
    )
    print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
