"""Delivery requests over a real deliveries server, real auth and real PostGIS."""
from __future__ import annotations

import datetime as dt
import uuid

import grpc
import pytest
from google.protobuf import field_mask_pb2

from p2p.deliveries.v1 import deliveries_pb2 as pb
from services.deliveries.domain import pricing
from services.deliveries.settings import PricingRules
from tests.deliveries.conftest import (BERLIN, BRUSSELS, BXL_CGN, LISBON, create_request, expect, latlng,
                                       make_offer, money, now, any_trip, request_msg, stamp, violations)

OK = grpc.StatusCode


def mask(*paths: str) -> field_mask_pb2.FieldMask:
    return field_mask_pb2.FieldMask(paths=list(paths))


# -- create -------------------------------------------------------------------------------------
async def test_create_stores_every_field_and_estimates_the_price(dl, customer, dsql):
    pickup_start = now() + dt.timedelta(days=1)
    msg = request_msg(**BXL_CGN, urgency=pb.URGENCY_EXPRESS, fragile=True, max_price=money(9_000),
                      auto_accept_price=money(3_000), min_traveler_rating=4.5, verification_required=True,
                      insurance_required=True, background_check_required=True, tags=["laptop", "fragile"],
                      special_instructions="Handle with care", preferred_pickup_days=["Monday", "friday"],
                      flexible_pickup_timing=True, requires_recipient_presence=True,
                      notification_preferences={"email": True, "push": False},
                      preferred_traveler_ids=[str(uuid.uuid4())], blacklisted_traveler_ids=[str(uuid.uuid4())])
    msg.item.image_urls.append("https://img.example.com/laptop.jpg")
    msg.pickup.window_start.CopyFrom(stamp(pickup_start))
    msg.pickup.window_end.CopyFrom(stamp(pickup_start + dt.timedelta(days=2)))
    r = await dl.CreateDeliveryRequest(pb.CreateDeliveryRequestRequest(delivery_request=msg), metadata=customer.md)
    assert r.status == pb.DELIVERY_REQUEST_STATUS_OPEN and r.customer_id == customer.id
    assert r.item.volume_cm3 == 40 * 30 * 10
    assert r.pickup.contact_phone == "+32470000001" and r.delivery.instructions == "Leave with the concierge"
    assert r.preferred_pickup_days == ["monday", "friday"]
    assert r.auto_accept_price.amount_minor == 3_000 and r.min_traveler_rating == 4.5
    assert dict(r.notification_preferences) == {"email": True, "push": False}
    # expiry defaults to the end of the pickup window
    assert r.expire_time.ToDatetime(tzinfo=dt.timezone.utc) == pickup_start + dt.timedelta(days=2)
    # distance is PostGIS's ST_Distance pickup -> delivery; the price follows the documented formula
    dist = dsql("SELECT round(ST_Distance(pickup_coordinates, delivery_coordinates))::int FROM delivery_requests "
                "WHERE id = %s", r.id)[0][0]
    assert abs(r.distance_meters - dist) <= 1 and 180_000 < dist < 190_000
    expected = pricing.estimate(PricingRules(), weight_grams=2000, distance_meters=r.distance_meters,
                                urgency="express", fragile=True)
    assert r.estimated_price == money(expected)
    row = dsql("SELECT category::text, urgency::text, is_fragile, weight_grams, currency, tags FROM delivery_requests "
               "WHERE id = %s", r.id)[0]
    assert row == ("electronics", "express", True, 2000, "EUR", ["laptop", "fragile"])
    assert dsql("SELECT count(*) FROM outbox_events WHERE topic = 'deliveries.request.created' AND aggregate_id = %s",
                r.id)[0][0] == 1


async def test_create_is_idempotent_by_request_id(dl, customer, dsql):
    rid = uuid.uuid4().hex
    a = await create_request(dl, customer, request_id=rid, title="Once only")
    b = await create_request(dl, customer, request_id=rid, title="Once only")
    assert a.id == b.id
    assert dsql("SELECT count(*) FROM delivery_requests WHERE customer_id = %s", customer.id)[0][0] == 1


async def test_only_customers_create(dl, traveler, users):
    await expect(OK.PERMISSION_DENIED, create_request(dl, traveler), "CUSTOMER_REQUIRED")
    both = await users("both")
    assert (await create_request(dl, both)).customer_id == both.id


async def test_create_unauthenticated(dl):
    await expect(OK.UNAUTHENTICATED, dl.CreateDeliveryRequest(
        pb.CreateDeliveryRequestRequest(delivery_request=request_msg())))


async def test_create_validates_every_field(dl, customer, dsql):
    bad = pb.DeliveryRequest(
        title="", urgency=0, currency_code="eur", min_traveler_rating=7, tags=["x" * 31],
        item=pb.Item(name="", category=0, weight_grams=0, quantity=500,
                     dimensions=pb.Dimensions(length_cm=0, width_cm=10, height_cm=10), image_urls=["ftp://x"]),
        pickup=pb.Stop(place=pb.DeliveryRequest().pickup.place, contact_phone="0612"),
        delivery=pb.Stop(), max_price=money(100), auto_accept_price=money(200),
        preferred_traveler_ids=["nope"], preferred_pickup_days=["someday"])
    bad.delivery.place.location.latitude = 95
    d = await expect(OK.INVALID_ARGUMENT, dl.CreateDeliveryRequest(
        pb.CreateDeliveryRequestRequest(delivery_request=bad), metadata=customer.md))
    v = violations(d)
    for f in ("title", "urgency", "currency_code", "min_traveler_rating", "tags[0]", "item.name", "item.category",
              "item.weight_grams", "item.quantity", "item.dimensions.length_cm", "item.image_urls[0]",
              "pickup.place.address", "pickup.place.location", "pickup.contact_phone", "delivery.place.address",
              "delivery.place.location.latitude", "auto_accept_price.amount_minor", "preferred_traveler_ids[0]",
              "preferred_pickup_days[0]"):
        assert f"delivery_request.{f}" in v, f
    assert v["delivery_request.urgency"].startswith("must be set")
    assert dsql("SELECT count(*) FROM delivery_requests WHERE customer_id = %s", customer.id)[0][0] == 0


async def test_create_rejects_past_windows_same_points_and_unknown_enums(dl, customer):
    msg = request_msg(dropoff=("Same", LISBON))
    msg.pickup.window_end.CopyFrom(stamp(now() - dt.timedelta(hours=1)))
    msg.item.category = 999
    msg.expire_time.CopyFrom(stamp(now() + dt.timedelta(days=120)))
    v = violations(await expect(OK.INVALID_ARGUMENT, dl.CreateDeliveryRequest(
        pb.CreateDeliveryRequestRequest(delivery_request=msg), metadata=customer.md)))
    assert v["delivery_request.pickup.window_end"] == "must be in the future"
    assert "differ" in v["delivery_request.delivery.place.location"]
    assert v["delivery_request.item.category"] == "unknown value"
    assert "90 days" in v["delivery_request.expire_time"]
    msg = request_msg()
    msg.pickup.window_start.seconds = 2**62          # beyond any calendar
    v = violations(await expect(OK.INVALID_ARGUMENT, dl.CreateDeliveryRequest(
        pb.CreateDeliveryRequestRequest(delivery_request=msg), metadata=customer.md)))
    assert v == {"delivery_request.pickup.window_start": "is not a valid timestamp"}


@pytest.mark.parametrize("category", [pb.ITEM_CATEGORY_WEAPONS, pb.ITEM_CATEGORY_DRUGS, pb.ITEM_CATEGORY_EXPLOSIVES,
                                      pb.ITEM_CATEGORY_FLAMMABLES, pb.ITEM_CATEGORY_LIVE_ANIMALS, pb.ITEM_CATEGORY_CASH,
                                      pb.ITEM_CATEGORY_COUNTERFEIT_GOODS])
async def test_prohibited_categories_are_refused_with_a_reason(dl, customer, category, dsql):
    d = await expect(OK.INVALID_ARGUMENT, create_request(dl, customer, category=category), "PROHIBITED_ITEM")
    assert "prohibited" in violations(d)["delivery_request.item.category"]
    assert dsql("SELECT count(*) FROM delivery_requests WHERE customer_id = %s", customer.id)[0][0] == 0


async def test_hazardous_items_are_refused(dl, customer):
    msg = request_msg(category=pb.ITEM_CATEGORY_HOUSEHOLD)
    msg.item.hazardous = True
    d = await expect(OK.INVALID_ARGUMENT, dl.CreateDeliveryRequest(
        pb.CreateDeliveryRequestRequest(delivery_request=msg), metadata=customer.md), "PROHIBITED_ITEM")
    assert violations(d)["delivery_request.item.hazardous"] == "hazardous goods are prohibited"


# -- get: who sees what -------------------------------------------------------------------------
async def test_owner_sees_everything_a_traveler_the_public_view(dl, customer, traveler, dsql):
    r = await create_request(dl, customer, auto_accept_price=money(1_000), blacklisted_traveler_ids=[str(uuid.uuid4())])
    own = await dl.GetDeliveryRequest(pb.GetDeliveryRequestRequest(delivery_request_id=r.id), metadata=customer.md)
    assert not own.public_view and own.pickup.contact_name == "Anne" and own.auto_accept_price.amount_minor == 1_000
    seen = await dl.GetDeliveryRequest(pb.GetDeliveryRequestRequest(delivery_request_id=r.id), metadata=traveler.md)
    assert seen.public_view and seen.title == r.title and seen.item.weight_grams == 2000
    assert seen.pickup.place.address == r.pickup.place.address
    assert not seen.pickup.contact_name and not seen.pickup.contact_phone and not seen.pickup.instructions
    assert not seen.delivery.contact_phone and not seen.HasField("auto_accept_price")
    assert not seen.blacklisted_traveler_ids and not seen.notification_preferences
    # views by others are counted, the owner's are not
    await dl.GetDeliveryRequest(pb.GetDeliveryRequestRequest(delivery_request_id=r.id), metadata=traveler.md)
    assert dsql("SELECT views FROM delivery_request_views WHERE delivery_request_id = %s", r.id) == [(2,)]
    # a call sent again with the same x-request-id (as Envoy retries a read) counts once
    for rid in ("call-1", "call-1", "call-2", "call-1"):
        await dl.GetDeliveryRequest(pb.GetDeliveryRequestRequest(delivery_request_id=r.id),
                                    metadata=(*traveler.md, ("x-request-id", rid)))
    assert dsql("SELECT views, last_request_id FROM delivery_request_views WHERE delivery_request_id = %s",
                r.id) == [(5, "call-1")]


async def test_strangers_blacklisted_and_blocked_get_not_found(dl, customer, users, blocks):
    other_customer, blacklisted, blocked = await users("customer"), await users("traveler"), await users("traveler")
    r = await create_request(dl, customer, blacklisted_traveler_ids=[blacklisted.id])
    blocks.block(customer.id, blocked.id)
    for who in (other_customer, blacklisted, blocked):
        await expect(OK.NOT_FOUND, dl.GetDeliveryRequest(pb.GetDeliveryRequestRequest(delivery_request_id=r.id),
                                                         metadata=who.md), "REQUEST_NOT_FOUND")
    await expect(OK.NOT_FOUND, dl.GetDeliveryRequest(pb.GetDeliveryRequestRequest(delivery_request_id=str(uuid.uuid4())),
                                                     metadata=customer.md))
    d = await expect(OK.INVALID_ARGUMENT, dl.GetDeliveryRequest(pb.GetDeliveryRequestRequest(
        delivery_request_id="nope"), metadata=customer.md))
    assert violations(d) == {"delivery_request_id": "must be a UUID"}
    await expect(OK.UNAUTHENTICATED, dl.GetDeliveryRequest(pb.GetDeliveryRequestRequest(delivery_request_id=r.id)))


async def test_a_closed_request_is_hidden_from_travelers_without_an_offer(dl, customer, traveler, users, trips):
    r = await create_request(dl, customer)
    trip = await any_trip(trips, traveler)
    await make_offer(dl, traveler, r.id, trip.id)
    await dl.CancelDeliveryRequest(pb.CancelDeliveryRequestRequest(delivery_request_id=r.id, reason="not needed"),
                                   metadata=customer.md)
    other = await users("traveler")
    await expect(OK.NOT_FOUND, dl.GetDeliveryRequest(pb.GetDeliveryRequestRequest(delivery_request_id=r.id),
                                                     metadata=other.md))
    seen = await dl.GetDeliveryRequest(pb.GetDeliveryRequestRequest(delivery_request_id=r.id), metadata=traveler.md)
    assert seen.public_view and seen.status == pb.DELIVERY_REQUEST_STATUS_CANCELLED


# -- list mine ----------------------------------------------------------------------------------
async def test_list_mine_filters_and_paginates(dl, customer, users):
    made = [await create_request(dl, customer, title=f"Parcel {i}") for i in range(5)]
    await dl.CancelDeliveryRequest(pb.CancelDeliveryRequestRequest(delivery_request_id=made[0].id, reason="x"),
                                   metadata=customer.md)
    await create_request(dl, await users("customer"))   # someone else's
    seen, token = [], ""
    while True:
        page = await dl.ListDeliveryRequests(pb.ListDeliveryRequestsRequest(page_size=2, page_token=token),
                                             metadata=customer.md)
        assert len(page.delivery_requests) <= 2
        seen += [r.id for r in page.delivery_requests]
        token = page.next_page_token
        if not token:
            break
    assert seen == [r.id for r in reversed(made)]
    open_only = await dl.ListDeliveryRequests(pb.ListDeliveryRequestsRequest(
        statuses=[pb.DELIVERY_REQUEST_STATUS_OPEN]), metadata=customer.md)
    assert {r.id for r in open_only.delivery_requests} == {r.id for r in made[1:]}
    v = violations(await expect(OK.INVALID_ARGUMENT, dl.ListDeliveryRequests(pb.ListDeliveryRequestsRequest(
        page_size=201, page_token="garbage", statuses=[0]), metadata=customer.md)))
    assert set(v) == {"page_size", "page_token", "statuses[0]"}
    await expect(OK.UNAUTHENTICATED, dl.ListDeliveryRequests(pb.ListDeliveryRequestsRequest()))


# -- update ---------------------------------------------------------------------------------------
async def test_update_with_a_field_mask_recomputes_the_estimate(dl, customer):
    r = await create_request(dl, customer)
    change = pb.DeliveryRequest(id=r.id, title="Two laptops", urgency=pb.URGENCY_URGENT,
                                item=pb.Item(weight_grams=4_000), description="ignored: not in the mask")
    u = await dl.UpdateDeliveryRequest(pb.UpdateDeliveryRequestRequest(
        delivery_request=change, update_mask=mask("title", "urgency", "item.weight_grams")), metadata=customer.md)
    assert u.title == "Two laptops" and u.urgency == pb.URGENCY_URGENT and u.item.weight_grams == 4_000
    assert u.description == "" and u.item.name == "Laptop"          # untouched
    assert u.estimated_price.amount_minor == pricing.estimate(PricingRules(), weight_grams=4000,
                                                             distance_meters=r.distance_meters, urgency="urgent",
                                                             fragile=False)
    # a new delivery point moves the distance
    moved = pb.DeliveryRequest(id=r.id, delivery=pb.Stop(place=request_msg(dropoff=("Berlin", BERLIN)).delivery.place))
    u2 = await dl.UpdateDeliveryRequest(pb.UpdateDeliveryRequestRequest(
        delivery_request=moved, update_mask=mask("delivery.place")), metadata=customer.md)
    assert u2.distance_meters > 600_000 and u2.delivery.contact_name == "Bernd"


async def test_update_rules(dl, customer, stranger):
    r = await create_request(dl, customer)
    req = pb.UpdateDeliveryRequestRequest(delivery_request=pb.DeliveryRequest(id=r.id, title="x"), update_mask=mask("title"))
    await expect(OK.NOT_FOUND, dl.UpdateDeliveryRequest(req, metadata=stranger.md))
    await expect(OK.UNAUTHENTICATED, dl.UpdateDeliveryRequest(req))
    v = violations(await expect(OK.INVALID_ARGUMENT, dl.UpdateDeliveryRequest(pb.UpdateDeliveryRequestRequest(
        delivery_request=pb.DeliveryRequest(id=r.id), update_mask=mask("status", "item.volume_cm3")),
        metadata=customer.md)))
    assert "update_mask" in v
    v = violations(await expect(OK.INVALID_ARGUMENT, dl.UpdateDeliveryRequest(pb.UpdateDeliveryRequestRequest(
        delivery_request=pb.DeliveryRequest(id=r.id, title=""), update_mask=mask("title")), metadata=customer.md)))
    assert v == {"delivery_request.title": "is required"}
    await expect(OK.INVALID_ARGUMENT, dl.UpdateDeliveryRequest(pb.UpdateDeliveryRequestRequest(
        delivery_request=pb.DeliveryRequest(id=r.id)), metadata=customer.md))
    # a prohibited change is refused like a prohibited creation
    bad = pb.DeliveryRequest(id=r.id, item=pb.Item(category=pb.ITEM_CATEGORY_WEAPONS))
    await expect(OK.INVALID_ARGUMENT, dl.UpdateDeliveryRequest(pb.UpdateDeliveryRequestRequest(
        delivery_request=bad, update_mask=mask("item.category")), metadata=customer.md), "PROHIBITED_ITEM")
    await dl.CancelDeliveryRequest(pb.CancelDeliveryRequestRequest(delivery_request_id=r.id, reason="gone"),
                                   metadata=customer.md)
    await expect(OK.FAILED_PRECONDITION, dl.UpdateDeliveryRequest(req, metadata=customer.md), "REQUEST_NOT_OPEN")


# -- cancel -------------------------------------------------------------------------------------
async def test_cancel_declines_pending_offers(dl, customer, traveler, stranger, trips, dsql):
    r = await create_request(dl, customer)
    trip = await any_trip(trips, traveler)
    o = await make_offer(dl, traveler, r.id, trip.id)
    await expect(OK.INVALID_ARGUMENT, dl.CancelDeliveryRequest(pb.CancelDeliveryRequestRequest(
        delivery_request_id=r.id, reason=" "), metadata=customer.md))
    await expect(OK.NOT_FOUND, dl.CancelDeliveryRequest(pb.CancelDeliveryRequestRequest(
        delivery_request_id=r.id, reason="mine now"), metadata=stranger.md))
    c = await dl.CancelDeliveryRequest(pb.CancelDeliveryRequestRequest(delivery_request_id=r.id,
                                                                       reason="Found another way"), metadata=customer.md)
    assert c.status == pb.DELIVERY_REQUEST_STATUS_CANCELLED and c.cancellation_reason == "Found another way"
    assert c.cancel_time.seconds > 0
    assert dsql("SELECT status::text, declined_reason FROM delivery_offers WHERE id = %s", o.id) == \
        [("declined", "request cancelled")]
    assert dsql("SELECT count(*) FROM outbox_events WHERE topic = 'deliveries.request.cancelled' AND aggregate_id = %s",
                r.id)[0][0] == 1
    await expect(OK.FAILED_PRECONDITION, dl.CancelDeliveryRequest(pb.CancelDeliveryRequestRequest(
        delivery_request_id=r.id, reason="again"), metadata=customer.md), "REQUEST_NOT_OPEN")
    await expect(OK.UNAUTHENTICATED, dl.CancelDeliveryRequest(pb.CancelDeliveryRequestRequest(
        delivery_request_id=r.id, reason="x")))


# -- search -------------------------------------------------------------------------------------
async def test_search_by_route_price_weight_and_category(dl, users, traveler):
    c = await users("customer")
    tag = uuid.uuid4().hex[:6]
    # A spot of its own (other tests' requests are not in the way): origin O, destination D, far F.
    o = (-30 - uuid.uuid4().int % 1000 / 100, -60.0)
    d, f = (o[0], o[1] + 2), (o[0] - 3, o[1])
    near = await create_request(dl, c, title=f"near {tag}", pickup=("O2", (o[0] + 0.05, o[1])), dropoff=("D", d),
                                max_price=money(5_000))
    heavy = await create_request(dl, c, title=f"heavy {tag}", weight=30_000, pickup=("O", o), dropoff=("D", d))
    far = await create_request(dl, c, title=f"far {tag}", pickup=("F", f), dropoff=("D", d))
    docs = await create_request(dl, c, title=f"docs {tag}", category=pb.ITEM_CATEGORY_DOCUMENTS, pickup=("O", o),
                                dropoff=("F", f))
    banned = await create_request(dl, c, title=f"banned {tag}", blacklisted_traveler_ids=[traveler.id],
                                  pickup=("O", o), dropoff=("D", d))

    async def search(**kw) -> list[str]:
        res = await dl.SearchDeliveryRequests(pb.SearchDeliveryRequestsRequest(page_size=200, **kw),
                                              metadata=traveler.md)
        assert all(r.public_view and not r.pickup.contact_phone for r in res.delivery_requests)
        return [r.id for r in res.delivery_requests if r.title.endswith(tag)]

    around = await search(origin=latlng(o), radius_meters=20_000)
    assert set(around) == {near.id, heavy.id, docs.id}          # not far, not the blacklisting one
    assert around[-1] == near.id                                # nearest first
    assert set(await search(origin=latlng(o), destination=latlng(d), max_weight_grams=5_000)) == {near.id}
    assert set(await search(destination=latlng(d))) == {near.id, heavy.id, far.id}
    assert set(await search(origin=latlng(o), category=pb.ITEM_CATEGORY_DOCUMENTS)) == {docs.id}
    # max price, else the estimate (30 kg: 500 + 4500 + distance part)
    assert set(await search(origin=latlng(o), min_price_minor=5_000)) == {near.id, heavy.id}
    assert set(await search(origin=latlng(f))) == {far.id}
    assert banned.id not in await search(destination=latlng(d))


async def test_search_paginates_and_validates(dl, users, traveler, customer):
    c = await users("customer")
    spot = (10.0 + uuid.uuid4().int % 1000 / 1000, 20.0)
    ids = {(await create_request(dl, c, pickup=("Somewhere", spot), dropoff=("Elsewhere", (11.5, 21.0)))).id
           for _ in range(3)}
    got, token = [], ""
    while True:
        page = await dl.SearchDeliveryRequests(pb.SearchDeliveryRequestsRequest(
            origin=latlng(spot), radius_meters=1_000, page_size=2, page_token=token), metadata=traveler.md)
        got += [r.id for r in page.delivery_requests]
        token = page.next_page_token
        if not token:
            break
    assert set(got) == ids and len(got) == 3
    v = violations(await expect(OK.INVALID_ARGUMENT, dl.SearchDeliveryRequests(pb.SearchDeliveryRequestsRequest(
        radius_meters=-1, min_price_minor=-5, page_token="zz", origin=latlng((91, 0))), metadata=traveler.md)))
    assert {"radius_meters", "min_price_minor", "page_token", "origin.latitude"} <= set(v)
    token_other = (await dl.SearchDeliveryRequests(pb.SearchDeliveryRequestsRequest(
        origin=latlng(spot), radius_meters=1_000, page_size=1), metadata=traveler.md)).next_page_token
    await expect(OK.INVALID_ARGUMENT, dl.SearchDeliveryRequests(pb.SearchDeliveryRequestsRequest(
        origin=latlng(BRUSSELS), page_token=token_other), metadata=traveler.md))
    await expect(OK.PERMISSION_DENIED, dl.SearchDeliveryRequests(pb.SearchDeliveryRequestsRequest(),
                                                                 metadata=customer.md), "TRAVELER_REQUIRED")
    await expect(OK.UNAUTHENTICATED, dl.SearchDeliveryRequests(pb.SearchDeliveryRequestsRequest()))


# -- duplicate ----------------------------------------------------------------------------------
async def test_duplicate_copies_with_modifications(dl, customer, stranger, dsql):
    r = await create_request(dl, customer, max_price=money(7_000), tags=["a"])
    await dl.CancelDeliveryRequest(pb.CancelDeliveryRequestRequest(delivery_request_id=r.id, reason="later"),
                                   metadata=customer.md)
    rid = uuid.uuid4().hex
    req = pb.DuplicateDeliveryRequestRequest(delivery_request_id=r.id, request_id=rid,
                                             overrides=pb.DeliveryRequest(title="Again", item=pb.Item(weight_grams=3_000)),
                                             update_mask=mask("title", "item.weight_grams"))
    d = await dl.DuplicateDeliveryRequest(req, metadata=customer.md)
    assert d.id != r.id and d.status == pb.DELIVERY_REQUEST_STATUS_OPEN and d.title == "Again"
    assert d.item.weight_grams == 3_000 and d.item.name == "Laptop" and d.max_price.amount_minor == 7_000
    assert list(d.tags) == ["a"] and d.pickup.contact_name == "Anne"
    assert (await dl.DuplicateDeliveryRequest(req, metadata=customer.md)).id == d.id     # request_id
    plain = await dl.DuplicateDeliveryRequest(pb.DuplicateDeliveryRequestRequest(delivery_request_id=r.id),
                                              metadata=customer.md)
    assert plain.title == r.title
    await expect(OK.NOT_FOUND, dl.DuplicateDeliveryRequest(pb.DuplicateDeliveryRequestRequest(
        delivery_request_id=r.id), metadata=stranger.md))
    v = violations(await expect(OK.INVALID_ARGUMENT, dl.DuplicateDeliveryRequest(pb.DuplicateDeliveryRequestRequest(
        delivery_request_id=r.id, overrides=pb.DeliveryRequest(item=pb.Item(weight_grams=-1)),
        update_mask=mask("item.weight_grams")), metadata=customer.md)))
    assert "overrides.item.weight_grams" in v
    await expect(OK.UNAUTHENTICATED, dl.DuplicateDeliveryRequest(pb.DuplicateDeliveryRequestRequest(
        delivery_request_id=r.id)))
