"""End to end through a real Envoy, as the mobile apps do (JSON over HTTP): a traveler and a
customer complete a delivery, review each other, see the new ratings on each other's public
profile; a third user cannot review that delivery, nor can a reviewer review it twice; after
the customer blocks the traveler, the traveler can neither offer on the customer's new request
nor find it among their trip's matches.

Wiring note (step 6): the session `edge` of tests/e2e/conftest.py fronts the deliveries server
of tests/support/services.py, which is built with the test doubles StaticRatings/StaticBlocks
(`ratings`, `blocks` fixtures): a block made in the users service never reaches it. The block
step therefore goes through `wired_edge` below: a second Envoy in front of a deliveries replica
built with the product defaults (UsersRatings/UsersBlocks over the real users service, as
services/deliveries/server.py does in production), on the same database as the first one.
"""
from __future__ import annotations

import asyncio
import datetime as dt
import random
import time

import httpx
import pytest

from p2p.auth.v1 import auth_pb2
from tests.conftest import signed_up
from tests.e2e.conftest import start_envoy
from tests.e2e.test_marketplace import iso, offer_body, request_body, trip_body
from tests.e2e.test_mobile_app import h
from tests.support.services import start_deliveries

DEADLINE_SECONDS = 10.0


def error_info(body: dict) -> dict:
    """The google.rpc.ErrorInfo of an error body ({code, message, details}) as Envoy renders it."""
    infos = [d for d in body.get("details", []) if d.get("@type", "").endswith("google.rpc.ErrorInfo")]
    assert len(infos) == 1, body
    return infos[0]


def assert_error(r: httpx.Response, http_status: int, grpc_code: int, reason: str, domain: str) -> None:
    assert r.status_code == http_status, (r.status_code, r.text)
    assert r.headers["content-type"].startswith("application/json"), r.headers
    body = r.json()
    assert body["code"] == grpc_code, body
    info = error_info(body)
    assert (info["reason"], info["domain"]) == (reason, domain), info


async def until(call, done, what: str, deadline: float = DEADLINE_SECONDS):
    """Call `call()` until `done(result)`, at most `deadline` seconds (short pauses between calls)."""
    end = time.monotonic() + deadline
    while True:
        got = await call()
        if done(got):
            return got
        if time.monotonic() >= end:
            raise AssertionError(f"{what}: not reached within {deadline}s; last answer: "
                                 f"{getattr(got, 'status_code', '')} {getattr(got, 'text', got)}")
        await asyncio.sleep(0.1)


@pytest.fixture(scope="module")
async def wired_edge(auth_server, trips_server, users_server, deliveries_env, edge, tmp_path_factory):
    """A second Envoy whose deliveries backend asks the REAL users service for blocks and ratings
    (server.build defaults: ratings=None, blocks=None), on the deliveries database of `edge`."""
    app = await start_deliveries(deliveries_env, None, None, trips_server.address)
    try:
        proc, log, base, _, _ = await start_envoy(tmp_path_factory, {
            "auth": auth_server.address, "trips": trips_server.address, "deliveries": app.address,
            "users": users_server.address})
    except BaseException:
        await app.stop(grace=0.5)
        raise
    yield {"base": base}
    proc.terminate()
    await proc.wait()
    log.close()
    await app.stop(grace=0.5)


async def authed_ok(c: httpx.AsyncClient, token: str) -> None:
    """Wait (bounded) until the Envoy's JWT filter, which fetches the JWKS on its own, accepts a
    user token (instead of a fixed sleep after start-up)."""
    await until(lambda: c.get("/api/v1/users/me", headers=h(token)), lambda r: r.status_code == 200,
                "a signed request accepted by the wired edge")


async def matched_request_ids(c: httpx.AsyncClient, token: str, trip_id: str) -> list[str]:
    r = await c.post("/api/v1/delivery-requests:matchTrip", headers=h(token),
                     json={"tripId": trip_id, "maxDetourMeters": 150000, "limit": 100})
    assert r.status_code == 200, r.text
    return [m["deliveryRequest"]["id"] for m in r.json()["matches"]]


USERS_DOMAIN = "users.p2p-delivery"
DELIVERIES_DOMAIN = "deliveries.p2p-delivery"


async def test_complete_review_rate_and_block(http, edge, wired_edge, stub, sql):
    trav_email, trav = await signed_up(stub, sql, user_type=auth_pb2.USER_TYPE_TRAVELER)
    cust_email, cust = await signed_up(stub, sql, user_type=auth_pb2.USER_TYPE_CUSTOMER)
    _, third = await signed_up(stub, sql, user_type=auth_pb2.USER_TYPE_BOTH)
    T, C, X = trav.tokens.access_token, cust.tokens.access_token, third.tokens.access_token
    tid, cid = trav.account.id, cust.account.id
    # a departure of its own (other tests' trips and requests use other days), in the forecast range
    dep = (dt.datetime.now(dt.timezone.utc).replace(microsecond=0, second=0)
           + dt.timedelta(days=6, minutes=random.randint(0, 3 * 24 * 60)))

    # -- 1. trip, request, offer, accept, and the lifecycle to COMPLETED -------------------------
    r = await http.post("/api/v1/trips", headers=h(T), json=trip_body(dep))
    assert r.status_code == 200, r.text
    trip = r.json()
    r = await http.post(f"/api/v1/trips/{trip['id']}:publish", headers=h(T), json={})
    assert r.status_code == 200 and r.json()["status"] == "TRIP_STATUS_PUBLISHED", r.text

    r = await http.post("/api/v1/delivery-requests", headers=h(C), json=request_body(dep, "Birthday present"))
    assert r.status_code == 200, r.text
    req = r.json()
    # the trip matches the request (so that its absence from the matches after the block means something)
    assert req["id"] in await matched_request_ids(http, T, trip["id"])

    r = await http.post(f"/api/v1/delivery-requests/{req['id']}/offers", headers=h(T), json=offer_body(trip["id"], dep))
    assert r.status_code == 200, r.text
    offer = r.json()
    assert offer["status"] == "OFFER_STATUS_PENDING", offer
    r = await http.post(f"/api/v1/delivery-requests/{req['id']}/offers/{offer['id']}:accept", headers=h(C), json={})
    assert r.status_code == 200, r.text
    delivery = r.json()
    did = delivery["id"]
    assert delivery["status"] == "DELIVERY_STATUS_ACCEPTED", delivery
    assert (delivery["customerId"], delivery["travelerId"]) == (cid, tid), delivery

    # Not completed yet: no review (users learns about the delivery from deliveries' outbox, so
    # the answer is NOT_FOUND until the accepted event arrives, then FAILED_PRECONDITION).
    r = await until(lambda: http.post("/api/v1/users/reviews", headers=h(C), json={"deliveryId": did, "overallRating": 5}),
                    lambda r: r.status_code != 404, "the accepted delivery known to users")
    assert_error(r, 400, 9, "DELIVERY_NOT_COMPLETED", USERS_DOMAIN)

    # Who moves each step (services/deliveries/domain/lifecycle.py RULES): the traveler schedules,
    # confirms the pickup, travels, schedules and confirms the delivery (the QR service may confirm
    # pickup/delivery too, but the traveler may as well: no service identity needed); only the
    # customer (or QR) completes. Every step over HTTP with the user's own token.
    steps = [(T, "DELIVERY_STATUS_PICKUP_SCHEDULED", {"scheduledTime": iso(dep)}),
             (T, "DELIVERY_STATUS_PICKED_UP", {"proof": {"notes": "Picked up at the Grand-Place"}}),
             (T, "DELIVERY_STATUS_IN_TRANSIT", {}),
             (T, "DELIVERY_STATUS_DELIVERY_SCHEDULED", {"scheduledTime": iso(dep + dt.timedelta(hours=4))}),
             (T, "DELIVERY_STATUS_DELIVERED", {"proof": {"notes": "Handed to the concierge"}})]
    for token, status, extra in steps:
        r = await http.post(f"/api/v1/deliveries/{did}:transition", headers=h(token), json={"status": status, **extra})
        assert r.status_code == 200, (status, r.text)
        assert r.json()["status"] == status
    # completing is the customer's move, not the traveler's
    r = await http.post(f"/api/v1/deliveries/{did}:transition", headers=h(T), json={"status": "DELIVERY_STATUS_COMPLETED"})
    assert_error(r, 403, 7, "TRANSITION_NOT_ALLOWED", DELIVERIES_DOMAIN)
    r = await http.post(f"/api/v1/deliveries/{did}:transition", headers=h(C), json={"status": "DELIVERY_STATUS_COMPLETED"})
    assert r.status_code == 200 and r.json()["status"] == "DELIVERY_STATUS_COMPLETED", r.text
    r = await http.get(f"/api/v1/deliveries/{did}", headers=h(T))
    assert r.status_code == 200 and r.json()["status"] == "DELIVERY_STATUS_COMPLETED", r.text

    # -- 2. both review each other, once the completion reached users (outbox, asynchronous) -----
    by_customer = {"deliveryId": did, "overallRating": 5, "communicationRating": 5, "punctualityRating": 4,
                   "carefulnessRating": 5, "friendlinessRating": 5, "comment": "Careful and on time"}
    by_traveler = {"deliveryId": did, "overallRating": 4, "communicationRating": 3, "punctualityRating": 4,
                   "carefulnessRating": 4, "friendlinessRating": 5, "comment": "Parcel ready, easy handover"}
    pending = {(400, 9), (404, 5)}   # DELIVERY_NOT_COMPLETED / DELIVERY_NOT_FOUND while the event travels
    r = await until(lambda: http.post("/api/v1/users/reviews", headers=h(C), json=by_customer),
                    lambda r: (r.status_code, r.json().get("code")) not in pending, "the customer's review accepted")
    assert r.status_code == 200, r.text
    rc = r.json()
    assert (rc["deliveryId"], rc["reviewerId"], rc["revieweeId"]) == (did, cid, tid), rc
    assert rc["reviewerRole"] == "PARTICIPANT_ROLE_CUSTOMER" and rc["status"] == "REVIEW_STATUS_PUBLISHED", rc
    assert [rc[k] for k in ("overallRating", "communicationRating", "punctualityRating", "carefulnessRating",
                            "friendlinessRating")] == [5, 5, 4, 5, 5], rc
    # the completion is known to users now: the traveler's review goes through at once
    r = await http.post("/api/v1/users/reviews", headers=h(T), json=by_traveler)
    assert r.status_code == 200, r.text
    rt = r.json()
    assert (rt["deliveryId"], rt["reviewerId"], rt["revieweeId"]) == (did, tid, cid), rt
    assert rt["reviewerRole"] == "PARTICIPANT_ROLE_TRAVELER" and rt["overallRating"] == 4, rt

    # -- 3. each one's public profile shows the rating the other gave; never email or phone ------
    for viewer, subject, email, avg in ((C, tid, trav_email, 5.0), (T, cid, cust_email, 4.0), (X, tid, trav_email, 5.0)):
        r = await http.get(f"/api/v1/users/{subject}", headers=h(viewer))
        assert r.status_code == 200, r.text
        prof = r.json()
        assert prof["userId"] == subject, prof
        assert (prof["averageRating"], prof["ratingCount"]) == (avg, 1), prof
        assert prof["successfulDeliveries"] == 1 and prof["totalDeliveries"] == 1, prof
        assert email.lower() not in r.text.lower(), prof
        assert not [k for k in prof if "email" in k.lower() or k in ("phone", "phoneNumber")], prof.keys()
        assert "phoneNumber" not in r.text and '"email"' not in r.text, r.text

    # -- 4. a third user cannot review the delivery: PERMISSION_DENIED (NOT_A_PARTICIPANT) --------
    r = await http.post("/api/v1/users/reviews", headers=h(X), json={"deliveryId": did, "overallRating": 1,
                                                                     "comment": "Never met them"})
    assert_error(r, 403, 7, "NOT_A_PARTICIPANT", USERS_DOMAIN)

    # -- 5. a second review by the same reviewer: ALREADY_EXISTS (REVIEW_EXISTS) --------------------
    for token, body in ((C, {**by_customer, "overallRating": 1}), (T, by_traveler)):
        r = await http.post("/api/v1/users/reviews", headers=h(token), json=body)
        assert_error(r, 409, 6, "REVIEW_EXISTS", USERS_DOMAIN)
    # ...and the ratings did not move
    for viewer, subject, avg in ((C, tid, 5.0), (T, cid, 4.0)):
        r = await http.get(f"/api/v1/users/{subject}", headers=h(viewer))
        assert r.status_code == 200 and (r.json()["averageRating"], r.json()["ratingCount"]) == (avg, 1), r.text

    # -- 6. the customer blocks the traveler: no offer on, nor match with, their new request -----
    async with httpx.AsyncClient(base_url=wired_edge["base"], timeout=10) as w:
        await authed_ok(w, C)
        r = await w.post("/api/v1/users/me/blocked-users", headers=h(C),
                         json={"userId": tid, "reason": "BLOCK_REASON_NO_SHOW", "comment": "Changed my mind"})
        assert r.status_code == 200, r.text
        r = await w.get("/api/v1/users/me/blocked-users", headers=h(C))
        assert r.status_code == 200 and tid in r.text, r.text

        r = await w.post("/api/v1/delivery-requests", headers=h(C), json=request_body(dep, "Second present"))
        assert r.status_code == 200, r.text
        req2 = r.json()
        # blocked travelers cannot see the customer's requests, so an offer finds no request
        # (services/deliveries/domain/requests.py view_of: NOT_FOUND, reason REQUEST_NOT_FOUND)
        r = await w.post(f"/api/v1/delivery-requests/{req2['id']}/offers", headers=h(T),
                         json=offer_body(trip["id"], dep))
        assert_error(r, 404, 5, "REQUEST_NOT_FOUND", DELIVERIES_DOMAIN)
        r = await w.get(f"/api/v1/delivery-requests/{req2['id']}", headers=h(T))
        assert_error(r, 404, 5, "REQUEST_NOT_FOUND", DELIVERIES_DOMAIN)
        assert req2["id"] not in await matched_request_ids(w, T, trip["id"])
        # the customer blocked the traveler: the customer's profile is hidden from the traveler
        r = await w.get(f"/api/v1/users/{cid}", headers=h(T))
        assert r.status_code == 404 and r.json()["code"] == 5, r.text
        r = await w.get(f"/api/v1/users/{tid}", headers=h(C))
        assert r.status_code == 200 and r.json()["blockedByMe"] is True, r.text

        # control: the block alone kept them apart - once lifted, the same request matches the
        # trip and takes the traveler's offer
        r = await w.delete(f"/api/v1/users/me/blocked-users/{tid}", headers=h(C))
        assert r.status_code == 200, r.text
        assert req2["id"] in await matched_request_ids(w, T, trip["id"])
        r = await w.post(f"/api/v1/delivery-requests/{req2['id']}/offers", headers=h(T),
                         json=offer_body(trip["id"], dep))
        assert r.status_code == 200 and r.json()["status"] == "OFFER_STATUS_PENDING", r.text
