"""End to end through a real Envoy, as the two mobile apps do: a traveler posts a trip, a
customer posts a request and sees the trip in its matches, the traveler offers, the customer
watches the offer arrive and accepts it; the delivery exists for both and not for a third
user, and the trip's capacity went down."""
from __future__ import annotations

import asyncio
import datetime as dt

import httpx

from p2p.auth.v1 import auth_pb2
from tests.conftest import signed_up
from tests.e2e.test_mobile_app import h

PARIS, BERLIN = {"latitude": 48.8566, "longitude": 2.3522}, {"latitude": 52.52, "longitude": 13.405}
BRUSSELS, COLOGNE = {"latitude": 50.8503, "longitude": 4.3517}, {"latitude": 50.9375, "longitude": 6.9603}


def iso(d: dt.datetime) -> str:
    return d.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def trip_body(dep: dt.datetime) -> dict:
    return {"title": "Paris to Berlin by car", "transportType": "TRANSPORT_TYPE_CAR",
            "origin": {"place": {"address": "Paris", "location": PARIS}},
            "destination": {"place": {"address": "Berlin", "location": BERLIN}},
            "departureTime": iso(dep), "arrivalTime": iso(dep + dt.timedelta(hours=11)),
            "capacity": {"weightGrams": "20000", "volumeCm3": "200000", "items": 4},
            "pricing": {"basePrice": {"amountMinor": "1500", "currencyCode": "EUR"},
                        "pricePerKg": {"amountMinor": "200", "currencyCode": "EUR"}},
            "visibility": "TRIP_VISIBILITY_PUBLIC"}


def request_body(dep: dt.datetime, title: str) -> dict:
    return {"deliveryRequest": {
        "title": title, "urgency": "URGENCY_STANDARD",
        "item": {"name": "Boxed headphones", "category": "ITEM_CATEGORY_ELECTRONICS", "quantity": 1,
                 "weightGrams": "1500", "dimensions": {"lengthCm": 25, "widthCm": 20, "heightCm": 10}},
        "pickup": {"place": {"address": "Grand-Place, Brussels", "location": BRUSSELS},
                   "windowStart": iso(dep - dt.timedelta(days=1)), "windowEnd": iso(dep + dt.timedelta(days=1))},
        "delivery": {"place": {"address": "Domkloster 4, Cologne", "location": COLOGNE},
                     "windowStart": iso(dep), "windowEnd": iso(dep + dt.timedelta(days=3))},
        "maxPrice": {"amountMinor": "6000", "currencyCode": "EUR"}}}


def offer_body(trip_id: str, dep: dt.datetime) -> dict:
    return {"offer": {"tripId": trip_id, "price": {"amountMinor": "4500", "currencyCode": "EUR"},
                      "message": "Happy to take it", "estimatedPickupTime": iso(dep),
                      "estimatedDeliveryTime": iso(dep + dt.timedelta(hours=4))}}


async def test_trip_request_match_offer_watch_accept(http, edge, stub, sql):
    _, trav = await signed_up(stub, sql, user_type=auth_pb2.USER_TYPE_TRAVELER)
    _, cust = await signed_up(stub, sql, user_type=auth_pb2.USER_TYPE_CUSTOMER)
    _, third = await signed_up(stub, sql, user_type=auth_pb2.USER_TYPE_BOTH)
    T, C, X = trav.tokens.access_token, cust.tokens.access_token, third.tokens.access_token
    dep = dt.datetime.now(dt.timezone.utc).replace(microsecond=0) + dt.timedelta(days=5)

    # the traveler posts and publishes a Paris -> Berlin trip
    r = await http.post("/api/v1/trips", headers=h(T), json=trip_body(dep))
    assert r.status_code == 200, r.text
    trip = r.json()
    r = await http.post(f"/api/v1/trips/{trip['id']}:publish", headers=h(T), json={})
    assert r.status_code == 200 and r.json()["status"] == "TRIP_STATUS_PUBLISHED"
    r = await http.get("/api/v1/trips/mine", headers=h(T))
    assert r.status_code == 200 and trip["id"] in [t["id"] for t in r.json()["trips"]]

    # the customer posts a Brussels -> Cologne request and sees the trip in its matches
    r = await http.post("/api/v1/delivery-requests", headers=h(C), json=request_body(dep, "Birthday present"))
    assert r.status_code == 200, r.text
    req = r.json()
    assert int(req["estimatedPrice"]["amountMinor"]) > 0
    r = await http.post(f"/api/v1/delivery-requests/{req['id']}:findMatchingTrips", headers=h(C),
                        json={"maxDetourMeters": 150000})
    assert r.status_code == 200, r.text
    matches = r.json()["matches"]
    assert trip["id"] in [m["tripId"] for m in matches]
    assert all("breakdown" in m for m in matches)

    # the customer watches offers arrive (server streaming, JSON array over HTTP/1.1)
    seen: list[dict] = []

    async def watch():
        async with httpx.AsyncClient(base_url=edge["base"], timeout=30) as c:
            async with c.stream("GET", f"/api/v1/delivery-requests/{req['id']}/offers:watch", headers=h(C)) as resp:
                assert resp.status_code == 200
                buf = ""
                async for chunk in resp.aiter_text():
                    buf += chunk
                    if '"offer"' in buf:
                        seen.append({"raw": buf})
                        return
    watcher = asyncio.create_task(watch())
    await asyncio.sleep(0.5)
    r = await http.post(f"/api/v1/delivery-requests/{req['id']}/offers", headers=h(T), json=offer_body(trip["id"], dep))
    assert r.status_code == 200, r.text
    offer = r.json()
    await asyncio.wait_for(watcher, timeout=10)
    assert seen and offer["id"] in seen[0]["raw"]

    # the customer accepts: a delivery for both parties, not for anyone else
    r = await http.post(f"/api/v1/delivery-requests/{req['id']}/offers/{offer['id']}:accept", headers=h(C), json={})
    assert r.status_code == 200, r.text
    delivery = r.json()
    assert delivery["deliveryNumber"] and delivery["status"] == "DELIVERY_STATUS_ACCEPTED"
    for tok in (C, T):
        r = await http.get(f"/api/v1/deliveries/{delivery['id']}", headers=h(tok))
        assert r.status_code == 200 and r.json()["id"] == delivery["id"]
    r = await http.get(f"/api/v1/deliveries/{delivery['id']}", headers=h(X))
    assert r.status_code == 404 and r.json()["code"] == 5

    # the trip's capacity went down by the item's weight
    r = await http.get(f"/api/v1/trips/{trip['id']}", headers=h(T))
    assert int(r.json()["available"]["weightGrams"]) == 20000 - 1500
