"""Cancelling a trip reaches deliveries through the outbox: trips' dispatcher delivers
trips.trip.cancelled to the real deliveries server (DeliveryService.HandleTripCancelled), which
withdraws the pending offer and cancels the accepted delivery riding on the trip."""
from __future__ import annotations

import asyncio

from p2p.deliveries.v1 import deliveries_pb2 as dpb
from p2p.trips.v1 import trips_pb2 as tpb
# Helpers of the deliveries tests; the servers are shared session fixtures (tests/support/services.py).
from tests.deliveries.conftest import any_trip, create_request, make_offer, new_user
from tests.trips.conftest import query


async def test_cancelled_trip_withdraws_offers_and_cancels_deliveries(trips, dl, deliveries_server, stub, sql,
                                                                     trips_db, monkeypatch):
    monkeypatch.setenv("DELIVERIES_ADDR", deliveries_server.address)   # where trips' dispatcher delivers
    t, c = await new_user(stub, sql, "traveler"), await new_user(stub, sql, "customer")
    trip = await any_trip(trips, t)
    pending_r = await create_request(dl, c)
    pending = await make_offer(dl, t, pending_r.id, trip.id)
    acc_r = await create_request(dl, c)
    acc_o = await make_offer(dl, t, acc_r.id, trip.id)
    delivery = await dl.AcceptOffer(dpb.AcceptOfferRequest(delivery_request_id=acc_r.id, offer_id=acc_o.id),
                                    metadata=c.md)
    await trips.CancelTrip(tpb.CancelTripRequest(trip_id=trip.id, reason="flight cancelled"), metadata=t.md)
    for _ in range(200):
        o = await dl.GetOffer(dpb.GetOfferRequest(delivery_request_id=pending_r.id, offer_id=pending.id), metadata=t.md)
        d = await dl.GetDelivery(dpb.GetDeliveryRequest(delivery_id=delivery.id), metadata=c.md)
        if o.status == dpb.OFFER_STATUS_WITHDRAWN and d.status == dpb.DELIVERY_STATUS_CANCELLED:
            break
        await asyncio.sleep(0.05)
    assert o.status == dpb.OFFER_STATUS_WITHDRAWN and o.withdraw_reason == "trip cancelled: flight cancelled"
    assert d.status == dpb.DELIVERY_STATUS_CANCELLED and d.cancelled_by == "service:trips"
    for _ in range(100):
        (delivered,) = query(trips_db, "SELECT delivered_at IS NOT NULL FROM outbox_events "
                                       "WHERE topic = 'trips.trip.cancelled' AND aggregate_id = %s", trip.id)[0]
        if delivered:
            break
        await asyncio.sleep(0.05)
    assert delivered
