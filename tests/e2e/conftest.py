"""A real Envoy in front of the in-process auth, trips and deliveries servers (tests/conftest.py,
tests/support/services.py)."""
from __future__ import annotations

import asyncio
import pathlib
import shutil
import socket
import subprocess
import sys
import time

import httpx
import pytest


ROOT = pathlib.Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def tool(name: str) -> str:
    path = shutil.which(name) or str(pathlib.Path(sys.executable).parent / name)
    assert pathlib.Path(path).exists(), f"{name} is not installed (run scripts/setup.sh)"
    return path


async def start_envoy(tmp_path_factory, addrs: dict[str, str]):
    """An Envoy (envoy/generate.py config) in front of `addrs`, ready (clusters healthy, JWKS fetched)."""
    port, admin = free_port(), free_port()
    cfg = tmp_path_factory.mktemp("envoy") / "envoy.yaml"
    subprocess.run([sys.executable, str(ROOT / "envoy" / "generate.py"), "--out", str(cfg), "--port", str(port),
                    "--admin-port", str(admin), *[a for k, v in addrs.items() for a in ("--addr", f"{k}={v}")]],
                   check=True, cwd=ROOT)
    log = open(cfg.parent / "envoy.log", "w")
    proc = await asyncio.create_subprocess_exec(tool("envoy"), "-c", str(cfg), "--disable-hot-restart",
                                                "--log-level", "warn", cwd=ROOT, stdout=log, stderr=log,
                                                start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient(timeout=5) as c:
            end = time.monotonic() + 20
            while True:
                try:
                    ready = (await c.get(f"http://127.0.0.1:{admin}/ready")).status_code == 200
                    stats = (await c.get(f"http://127.0.0.1:{admin}/stats?filter=membership_(healthy|total)")).text
                    counts = dict(ln.split(": ") for ln in stats.splitlines() if ln.strip())
                    all_healthy = counts and all(v == counts[k.replace("_total", "_healthy")]
                                                 for k, v in counts.items() if k.endswith("_total"))
                    jwks = (await c.get(f"{base}/api/v1/auth/jwks")).status_code == 200
                    if ready and all_healthy and jwks:
                        break
                except httpx.HTTPError:
                    pass
                if time.monotonic() > end:
                    raise RuntimeError("envoy did not become ready: " + (cfg.parent / "envoy.log").read_text()[-2000:])
                await asyncio.sleep(0.05)
    except BaseException:
        proc.terminate()
        await proc.wait()
        log.close()
        raise
    return proc, log, base, port, admin


@pytest.fixture(scope="session")
async def edge(auth_server, trips_server, deliveries_server, users_server, tmp_path_factory):
    proc, log, base, port, admin = await start_envoy(tmp_path_factory, {
        "auth": auth_server.address, "trips": trips_server.address, "deliveries": deliveries_server.address,
        "users": users_server.address})
    # Envoy fetches the JWKS asynchronously; give it the first fetch before tests start.
    await asyncio.sleep(1.0)
    yield {"base": base, "grpc": f"127.0.0.1:{port}", "admin": admin}
    proc.terminate()
    await proc.wait()
    log.close()


@pytest.fixture
async def http(edge):
    async with httpx.AsyncClient(base_url=edge["base"], timeout=10) as c:
        yield c
