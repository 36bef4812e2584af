"""Offers: make, edit, withdraw, decline, list, get."""
from __future__ import annotations

import datetime as dt
import uuid

import grpc
from google.protobuf import field_mask_pb2

from p2p.deliveries.v1 import deliveries_pb2 as pb
from tests.deliveries.conftest import (create_request, expect, make_offer, money, now, any_trip, stamp,
                                       violations)

OK = grpc.StatusCode


async def test_make_an_offer(dl, trips, customer, traveler, dsql):
    r = await create_request(dl, customer)
    trip = await any_trip(trips, traveler)
    pickup = now() + dt.timedelta(days=7)
    o = await make_offer(dl, traveler, r.id, trip.id, price=4_200, guarantees=["insured"],
                         special_services=["photo_on_pickup"], estimated_pickup_time=stamp(pickup),
                         estimated_delivery_time=stamp(pickup + dt.timedelta(hours=6)))
    assert o.status == pb.OFFER_STATUS_PENDING and o.traveler_id == traveler.id and o.trip_id == trip.id
    assert o.price == money(4_200) and list(o.guarantees) == ["insured"]
    assert o.valid_until == r.expire_time                 # defaults to the request's expiry
    assert dsql("SELECT count(*) FROM outbox_events WHERE topic = 'deliveries.offer.created' AND payload->>'offer_id' = %s",
                o.id)[0][0] == 1
    seen = await dl.GetDeliveryRequest(pb.GetDeliveryRequestRequest(delivery_request_id=r.id), metadata=customer.md)
    assert seen.pending_offer_count == 1
    # one live offer per traveler and request (partial unique index)
    await expect(OK.ALREADY_EXISTS, make_offer(dl, traveler, r.id, trip.id), "OFFER_EXISTS")
    # request_id makes a retried create return the first result
    r2 = await create_request(dl, customer)
    rid = uuid.uuid4().hex
    a = await make_offer(dl, traveler, r2.id, trip.id, request_id=rid)
    assert (await make_offer(dl, traveler, r2.id, trip.id, request_id=rid)).id == a.id


async def test_offer_rules(dl, trips, customer, traveler, users, ratings):
    r = await create_request(dl, customer, max_price=money(5_000))
    trip = await any_trip(trips, traveler)
    other = await users()
    other_trip = await any_trip(trips, other)
    draft = await any_trip(trips, traveler, publish=False)
    await expect(OK.FAILED_PRECONDITION, make_offer(dl, traveler, r.id, other_trip.id), "TRIP_NOT_OWNED")
    await expect(OK.FAILED_PRECONDITION, make_offer(dl, traveler, r.id, str(uuid.uuid4())), "TRIP_NOT_OWNED")
    await expect(OK.FAILED_PRECONDITION, make_offer(dl, traveler, r.id, draft.id), "TRIP_NOT_BOOKABLE")
    await expect(OK.FAILED_PRECONDITION, make_offer(dl, traveler, r.id, trip.id, price=5_001), "OFFER_ABOVE_MAX_PRICE")
    d = await expect(OK.INVALID_ARGUMENT, dl.CreateOffer(pb.CreateOfferRequest(delivery_request_id=r.id, offer=pb.Offer(
        trip_id=trip.id, price=money(100, "USD"))), metadata=traveler.md), "CURRENCY_MISMATCH")
    assert "offer.price.currency_code" in violations(d)
    # customers (no traveler role) do not make offers; owners not on their own request
    await expect(OK.PERMISSION_DENIED, make_offer(dl, customer, r.id, trip.id), "TRAVELER_REQUIRED")
    both = await users("both")
    own = await create_request(dl, both)
    both_trip = await any_trip(trips, both)
    await expect(OK.FAILED_PRECONDITION, make_offer(dl, both, own.id, both_trip.id), "OWN_REQUEST")
    # a minimum rating: unknown or lower ratings do not qualify
    strict = await create_request(dl, customer, min_traveler_rating=4.0)
    await expect(OK.FAILED_PRECONDITION, make_offer(dl, traveler, strict.id, trip.id), "TRAVELER_RATING_TOO_LOW")
    ratings.set(traveler.id, 4.2)
    assert (await make_offer(dl, traveler, strict.id, trip.id)).status == pb.OFFER_STATUS_PENDING
    # bad input, all at once
    v = violations(await expect(OK.INVALID_ARGUMENT, dl.CreateOffer(pb.CreateOfferRequest(
        delivery_request_id=r.id, offer=pb.Offer(trip_id="nope", price=money(0), message="x" * 1001,
                                                 valid_until=stamp(now() - dt.timedelta(minutes=1)),
                                                 guarantees=["g"] * 11)), metadata=traveler.md)))
    assert {"offer.trip_id", "offer.price.amount_minor", "offer.message", "offer.valid_until",
            "offer.guarantees"} <= set(v)
    await expect(OK.INVALID_ARGUMENT, dl.CreateOffer(pb.CreateOfferRequest(delivery_request_id="x", offer=pb.Offer(
        trip_id=trip.id, price=money(10))), metadata=traveler.md))
    await expect(OK.UNAUTHENTICATED, dl.CreateOffer(pb.CreateOfferRequest(delivery_request_id=r.id)))


async def test_blacklisted_and_blocked_travelers_cannot_offer(dl, trips, customer, users, blocks):
    black, blocked = await users(), await users()
    r = await create_request(dl, customer, blacklisted_traveler_ids=[black.id])
    blocks.block(blocked.id, customer.id)
    for t in (black, blocked):
        trip = await any_trip(trips, t)
        await expect(OK.NOT_FOUND, make_offer(dl, t, r.id, trip.id), "REQUEST_NOT_FOUND")
    await expect(OK.NOT_FOUND, make_offer(dl, black, str(uuid.uuid4()), str(uuid.uuid4())))


async def test_no_offers_on_a_closed_request(dl, trips, customer, traveler, users):
    r = await create_request(dl, customer)
    t1 = await users()
    trip1 = await any_trip(trips, t1)
    await make_offer(dl, t1, r.id, trip1.id)
    await dl.CancelDeliveryRequest(pb.CancelDeliveryRequestRequest(delivery_request_id=r.id, reason="x"),
                                   metadata=customer.md)
    trip = await any_trip(trips, traveler)
    await expect(OK.NOT_FOUND, make_offer(dl, traveler, r.id, trip.id))            # cannot see it any more
    await expect(OK.FAILED_PRECONDITION, make_offer(dl, t1, r.id, trip1.id), "REQUEST_NOT_OPEN")  # can see it


async def test_edit_an_offer_while_pending(dl, trips, customer, traveler, stranger):
    r = await create_request(dl, customer, max_price=money(6_000))
    trip = await any_trip(trips, traveler)
    o = await make_offer(dl, traveler, r.id, trip.id, price=5_000)
    later = now() + dt.timedelta(days=8)

    def upd(offer: pb.Offer, *paths):
        return pb.UpdateOfferRequest(offer=offer, update_mask=field_mask_pb2.FieldMask(paths=list(paths)))
    u = await dl.UpdateOffer(upd(pb.Offer(id=o.id, delivery_request_id=r.id, price=money(4_500), message="ignored",
                                          estimated_pickup_time=stamp(later)), "price", "estimated_pickup_time"),
                             metadata=traveler.md)
    assert u.price == money(4_500) and u.message == o.message and u.estimated_pickup_time == stamp(later)
    assert u.update_time.ToDatetime() >= o.update_time.ToDatetime()
    await expect(OK.FAILED_PRECONDITION, dl.UpdateOffer(upd(pb.Offer(id=o.id, delivery_request_id=r.id,
                                                                     price=money(6_500)), "price"),
                                                        metadata=traveler.md), "OFFER_ABOVE_MAX_PRICE")
    await expect(OK.NOT_FOUND, dl.UpdateOffer(upd(pb.Offer(id=o.id, delivery_request_id=r.id, price=money(1)), "price"),
                                              metadata=stranger.md))
    await expect(OK.NOT_FOUND, dl.UpdateOffer(upd(pb.Offer(id=o.id, delivery_request_id=str(uuid.uuid4()),
                                                           price=money(1)), "price"), metadata=traveler.md))
    v = violations(await expect(OK.INVALID_ARGUMENT, dl.UpdateOffer(upd(pb.Offer(id=o.id, delivery_request_id=r.id),
                                                                        "trip_id", "status"), metadata=traveler.md)))
    assert "update_mask" in v
    v = violations(await expect(OK.INVALID_ARGUMENT, dl.UpdateOffer(upd(pb.Offer(
        id=o.id, delivery_request_id=r.id, price=money(-1)), "price"), metadata=traveler.md)))
    assert v == {"offer.price.amount_minor": "must be greater than 0"}
    await expect(OK.UNAUTHENTICATED, dl.UpdateOffer(upd(pb.Offer(id=o.id, delivery_request_id=r.id), "price")))
    await dl.WithdrawOffer(pb.WithdrawOfferRequest(delivery_request_id=r.id, offer_id=o.id), metadata=traveler.md)
    await expect(OK.FAILED_PRECONDITION, dl.UpdateOffer(upd(pb.Offer(id=o.id, delivery_request_id=r.id,
                                                                     price=money(10)), "price"),
                                                        metadata=traveler.md), "OFFER_NOT_PENDING")


async def test_withdraw_and_decline(dl, trips, customer, traveler, users, stranger):
    r = await create_request(dl, customer)
    trip = await any_trip(trips, traveler)
    o = await make_offer(dl, traveler, r.id, trip.id)
    await expect(OK.NOT_FOUND, dl.WithdrawOffer(pb.WithdrawOfferRequest(delivery_request_id=r.id, offer_id=o.id),
                                                metadata=stranger.md))
    await expect(OK.NOT_FOUND, dl.DeclineOffer(pb.DeclineOfferRequest(delivery_request_id=r.id, offer_id=o.id,
                                                                      reason="no"), metadata=traveler.md))
    w = await dl.WithdrawOffer(pb.WithdrawOfferRequest(delivery_request_id=r.id, offer_id=o.id, reason="plans changed"),
                               metadata=traveler.md)
    assert w.status == pb.OFFER_STATUS_WITHDRAWN and w.withdraw_reason == "plans changed" and w.withdraw_time.seconds
    await expect(OK.FAILED_PRECONDITION, dl.WithdrawOffer(pb.WithdrawOfferRequest(delivery_request_id=r.id,
                                                                                  offer_id=o.id), metadata=traveler.md),
                 "OFFER_NOT_PENDING")
    # a withdrawn offer is not live: the traveler may offer again
    o2 = await make_offer(dl, traveler, r.id, trip.id, price=3_900)
    v = violations(await expect(OK.INVALID_ARGUMENT, dl.DeclineOffer(pb.DeclineOfferRequest(
        delivery_request_id=r.id, offer_id=o2.id, reason=""), metadata=customer.md)))
    assert v == {"reason": "is required"}
    dec = await dl.DeclineOffer(pb.DeclineOfferRequest(delivery_request_id=r.id, offer_id=o2.id, reason="Too slow"),
                                metadata=customer.md)
    assert dec.status == pb.OFFER_STATUS_DECLINED and dec.decline_reason == "Too slow"
    await expect(OK.FAILED_PRECONDITION, dl.DeclineOffer(pb.DeclineOfferRequest(
        delivery_request_id=r.id, offer_id=o2.id, reason="again"), metadata=customer.md), "OFFER_NOT_PENDING")
    await expect(OK.INVALID_ARGUMENT, dl.WithdrawOffer(pb.WithdrawOfferRequest(delivery_request_id=r.id,
                                                                               offer_id="x"), metadata=traveler.md))
    await expect(OK.UNAUTHENTICATED, dl.DeclineOffer(pb.DeclineOfferRequest(delivery_request_id=r.id, offer_id=o2.id,
                                                                            reason="x")))
    await expect(OK.UNAUTHENTICATED, dl.WithdrawOffer(pb.WithdrawOfferRequest(delivery_request_id=r.id,
                                                                              offer_id=o2.id)))


async def test_list_and_get_offers(dl, trips, customer, users, stranger):
    r = await create_request(dl, customer)
    t1, t2 = await users(), await users()
    o1 = await make_offer(dl, t1, r.id, (await any_trip(trips, t1)).id, price=3_000)
    o2 = await make_offer(dl, t2, r.id, (await any_trip(trips, t2)).id, price=3_500)
    everything = await dl.ListOffers(pb.ListOffersRequest(delivery_request_id=r.id), metadata=customer.md)
    assert [o.id for o in everything.offers] == [o2.id, o1.id]
    paged = await dl.ListOffers(pb.ListOffersRequest(delivery_request_id=r.id, page_size=1), metadata=customer.md)
    nxt = await dl.ListOffers(pb.ListOffersRequest(delivery_request_id=r.id, page_size=1,
                                                   page_token=paged.next_page_token), metadata=customer.md)
    assert [paged.offers[0].id, nxt.offers[0].id] == [o2.id, o1.id] and not nxt.next_page_token
    own = await dl.ListOffers(pb.ListOffersRequest(delivery_request_id=r.id), metadata=t1.md)
    assert [o.id for o in own.offers] == [o1.id]
    await expect(OK.NOT_FOUND, dl.ListOffers(pb.ListOffersRequest(delivery_request_id=r.id),
                                             metadata=(await users("customer")).md))
    assert (await dl.GetOffer(pb.GetOfferRequest(delivery_request_id=r.id, offer_id=o1.id), metadata=t1.md)).id == o1.id
    assert (await dl.GetOffer(pb.GetOfferRequest(delivery_request_id=r.id, offer_id=o1.id),
                              metadata=customer.md)).price == money(3_000)
    await expect(OK.NOT_FOUND, dl.GetOffer(pb.GetOfferRequest(delivery_request_id=r.id, offer_id=o1.id),
                                           metadata=t2.md))
    await expect(OK.NOT_FOUND, dl.GetOffer(pb.GetOfferRequest(delivery_request_id=r.id, offer_id=o1.id),
                                           metadata=stranger.md))
    await expect(OK.UNAUTHENTICATED, dl.GetOffer(pb.GetOfferRequest(delivery_request_id=r.id, offer_id=o1.id)))
    v = violations(await expect(OK.INVALID_ARGUMENT, dl.GetOffer(pb.GetOfferRequest(delivery_request_id=r.id,
                                                                                    offer_id="x"), metadata=t1.md)))
    assert v == {"offer_id": "must be a UUID"}
    # "-": my offers across requests, sent as a traveler and/or received as a customer
    both = await users("both")
    mine = await create_request(dl, both)
    o3 = await make_offer(dl, t1, mine.id, (await any_trip(trips, t1)).id)
    sent = await make_offer(dl, both, r.id, (await any_trip(trips, both)).id)
    received = await dl.ListOffers(pb.ListOffersRequest(delivery_request_id="-", role=pb.PARTICIPANT_ROLE_CUSTOMER),
                                   metadata=both.md)
    assert [o.id for o in received.offers] == [o3.id]
    as_traveler = await dl.ListOffers(pb.ListOffersRequest(delivery_request_id="-", role=pb.PARTICIPANT_ROLE_TRAVELER),
                                      metadata=both.md)
    assert [o.id for o in as_traveler.offers] == [sent.id]
    all_mine = await dl.ListOffers(pb.ListOffersRequest(delivery_request_id="-"), metadata=both.md)
    assert [o.id for o in all_mine.offers] == [sent.id, o3.id]
    t1_sent = await dl.ListOffers(pb.ListOffersRequest(delivery_request_id="-", statuses=[pb.OFFER_STATUS_PENDING]),
                                  metadata=t1.md)
    assert {o.id for o in t1_sent.offers} == {o1.id, o3.id}
    v = violations(await expect(OK.INVALID_ARGUMENT, dl.ListOffers(pb.ListOffersRequest(
        delivery_request_id="", role=9, statuses=[0], page_size=-1, page_token="??"), metadata=t1.md)))
    assert set(v) == {"delivery_request_id", "role", "statuses[0]", "page_size", "page_token"}
    await expect(OK.UNAUTHENTICATED, dl.ListOffers(pb.ListOffersRequest(delivery_request_id="-")))
