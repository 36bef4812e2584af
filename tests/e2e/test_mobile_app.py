"""End to end as the mobile app does it: JSON over HTTP through a real Envoy, and as an
engineer does it: real grpcurl, directly and through Envoy."""
from __future__ import annotations

import asyncio
import base64
import json
import time

import pyotp
import pytest

from p2p.auth.v1 import auth_pb2
from tests.conftest import PASSWORD, latest_event_token, new_email, random_ip, signed_up
from tests.e2e.conftest import ROOT, tool

DEVICE = {"deviceId": "iphone-15-abc", "deviceType": "DEVICE_TYPE_MOBILE", "platform": "PLATFORM_IOS",
          "appVersion": "2.0.1"}


def h(token: str | None = None, ip: str | None = None) -> dict:
    out = {"x-forwarded-for": ip or random_ip()}
    if token:
        out["authorization"] = f"Bearer {token}"
    return out


async def test_full_account_journey_over_json(http, sql):
    email = new_email("mobile")
    r = await http.post("/api/v1/auth/register", headers=h(), json={
        "email": email, "password": PASSWORD, "firstName": "Maya", "lastName": "Okafor",
        "userType": "USER_TYPE_BOTH", "acceptTerms": True, "acceptPrivacy": True, "timezone": "Europe/Paris"})
    assert r.status_code == 200, r.text
    assert r.json()["account"]["status"] == "USER_STATUS_PENDING_VERIFICATION"

    token = latest_event_token(sql, "auth.email.verification", email)
    r = await http.post("/api/v1/auth/verify-email", headers=h(), json={"token": token})
    assert r.status_code == 200 and r.json()["account"]["emailVerified"] is True

    r = await http.post("/api/v1/auth/login", headers=h(), json={"email": email, "password": PASSWORD, "device": DEVICE})
    assert r.status_code == 200, r.text
    access = r.json()["tokens"]["accessToken"]

    r = await http.get("/api/v1/auth/me", headers=h(access))
    assert r.status_code == 200 and r.json()["email"] == email and r.json()["userType"] == "USER_TYPE_BOTH"

    r = await http.post("/api/v1/auth/2fa/setup", headers=h(access), json={})
    assert r.status_code == 200
    setup = r.json()
    assert base64.b64decode(setup["qrCodePng"])[:4] == b"\x89PNG" and len(setup["backupCodes"]) == 10
    totp = pyotp.TOTP(setup["secret"])
    r = await http.post("/api/v1/auth/2fa/verify", headers=h(access), json={"code": totp.now()})
    assert r.status_code == 200, r.text

    r = await http.post("/api/v1/auth/login", headers=h(), json={"email": email, "password": PASSWORD, "device": DEVICE})
    step1 = r.json()
    assert step1["twoFactorRequired"] is True and "tokens" not in step1 and step1["twoFactorToken"]
    r = await http.post("/api/v1/auth/2fa/login", headers=h(),
                        json={"twoFactorToken": step1["twoFactorToken"], "code": totp.at(time.time() + 30)})
    assert r.status_code == 200, r.text
    tokens = r.json()["tokens"]

    r = await http.post("/api/v1/auth/refresh", headers=h(), json={"refreshToken": tokens["refreshToken"]})
    assert r.status_code == 200
    new = r.json()
    # the old refresh token is rejected, and reusing it ends the session
    r = await http.post("/api/v1/auth/refresh", headers=h(), json={"refreshToken": tokens["refreshToken"]})
    assert r.status_code == 401 and r.json()["code"] == 16
    r = await http.post("/api/v1/auth/refresh", headers=h(), json={"refreshToken": new["refreshToken"]})
    assert r.status_code == 401

    # logout of another live session
    r = await http.post("/api/v1/auth/logout", headers=h(access), json={})
    assert r.status_code == 200 and r.json()["revokedSessions"] == 1
    r = await http.get("/api/v1/auth/me", headers=h(access))
    assert r.status_code == 401


async def test_error_shapes(http):
    r = await http.post("/api/v1/auth/register", headers=h(), json={"email": "not-an-email", "password": "x"})
    assert r.status_code == 400
    body = r.json()
    assert body["code"] == 3
    violations = [v for d in body["details"] if d["@type"].endswith("BadRequest") for v in d["fieldViolations"]]
    assert any(v["field"] == "email" for v in violations)

    r = await http.get("/api/v1/auth/me")
    assert r.status_code == 401 and r.headers["content-type"].startswith("application/json")
    assert r.json()["code"] == 16

    forged = "eyJhbGciOiJFUzI1NiIsImtpZCI6ImZvcmdlZCJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl"
    r = await http.get("/api/v1/auth/me", headers={"authorization": f"Bearer {forged}"})
    assert r.status_code == 401 and r.json()["code"] == 16

    r = await http.get("/api/v1/nothing-here")
    assert r.status_code == 404 and r.json()["code"] == 5


async def test_rate_limit_is_http_429(http):
    ip = random_ip()
    body = {"email": new_email(), "password": "Wrong#Pass1", "device": DEVICE}
    codes = [(await http.post("/api/v1/auth/login", headers=h(ip=ip), json=body)).status_code for _ in range(6)]
    assert codes[:5] == [401] * 5 and codes[5] == 429
    r = await http.post("/api/v1/auth/login", headers=h(ip=ip), json=body)
    retry = [d for d in r.json()["details"] if d["@type"].endswith("RetryInfo")]
    assert retry and retry[0]["retryDelay"].endswith("s")


async def grpcurl(*args: str) -> tuple[int, str]:
    proc = await asyncio.create_subprocess_exec(tool("grpcurl"), *args, stdout=asyncio.subprocess.PIPE,
                                                stderr=asyncio.subprocess.STDOUT)
    out, _ = await asyncio.wait_for(proc.communicate(), timeout=30)
    return proc.returncode, out.decode()


@pytest.mark.parametrize("target", ["direct", "edge"])
async def test_grpcurl(auth_server, edge, sql, target):
    addr = auth_server.address if target == "direct" else edge["grpc"]
    code, out = await grpcurl("-plaintext", addr, "list")
    assert code == 0, out
    assert set(out.split()) >= {"p2p.auth.v1.AuthService", "grpc.health.v1.Health",
                                "grpc.reflection.v1alpha.ServerReflection"}
    code, out = await grpcurl("-plaintext", addr, "describe", "p2p.auth.v1.AuthService")
    assert code == 0 and "rpc Login" in out and "rpc Register" in out
    email = new_email("grpcurl")
    req = {"email": email, "password": PASSWORD, "first_name": "Grace", "last_name": "Hopper",
           "user_type": "USER_TYPE_TRAVELER", "accept_terms": True, "accept_privacy": True}
    code, out = await grpcurl("-plaintext", "-H", f"x-forwarded-for: {random_ip()}", "-d", json.dumps(req), addr,
                              "p2p.auth.v1.AuthService/Register")
    assert code == 0, out
    assert json.loads(out)["account"]["email"] == email
    token = latest_event_token(sql, "auth.email.verification", email)
    code, out = await grpcurl("-plaintext", "-d", json.dumps({"token": token}), addr, "p2p.auth.v1.AuthService/VerifyEmail")
    assert code == 0, out
    login = {"email": email, "password": PASSWORD, "device": {"device_id": "cli", "device_type": "DEVICE_TYPE_DESKTOP",
                                                               "platform": "PLATFORM_LINUX"}}
    code, out = await grpcurl("-plaintext", "-H", f"x-forwarded-for: {random_ip()}", "-d", json.dumps(login), addr,
                              "p2p.auth.v1.AuthService/Login")
    assert code == 0, out
    assert json.loads(out)["tokens"]["access_token"]
    # without a token: UNAUTHENTICATED (grpcurl exits 64 + code)
    code, out = await grpcurl("-plaintext", addr, "p2p.auth.v1.AuthService/GetAccount")
    assert code == 64 + 16, out



@pytest.mark.parametrize("service", ["trips", "deliveries"])
async def test_grpcurl_marketplace_services(service, trips_server, deliveries_server, edge, stub, sql):
    """Each service answers reflection on its own port; through Envoy (whose reflection route
    reaches auth) the committed descriptor set describes every service."""
    app, full = {"trips": (trips_server, "p2p.trips.v1.TripService"),
                 "deliveries": (deliveries_server, "p2p.deliveries.v1.DeliveryService")}[service]
    code, out = await grpcurl("-plaintext", app.address, "list")
    assert code == 0 and full in out.split() and "grpc.health.v1.Health" in out.split(), out
    code, out = await grpcurl("-plaintext", app.address, "describe", full)
    assert code == 0 and "rpc " in out, out
    _, login = await signed_up(stub, sql, user_type=auth_pb2.USER_TYPE_BOTH)
    auth = ["-H", f"authorization: Bearer {login.tokens.access_token}"]
    protoset = ["-protoset", str(ROOT / "gen" / "descriptors.pb")]
    method, body = {"trips": ("ListMyTrips", {}), "deliveries": ("ListDeliveries", {})}[service]
    for addr, extra in ((app.address, []), (edge["grpc"], protoset)):
        code, out = await grpcurl("-plaintext", *extra, *auth, "-d", json.dumps(body), addr, f"{full}/{method}")
        assert code == 0, out
        assert json.loads(out or "{}") == {}, out      # a new user has nothing yet
        code, out = await grpcurl("-plaintext", *extra, "-d", "{}", addr, f"{full}/{method}")
        assert code == 64 + 16, out                    # UNAUTHENTICATED without a token
