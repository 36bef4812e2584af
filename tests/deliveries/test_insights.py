"""Analytics, reports, statistics, popular routes and recommendations."""
from __future__ import annotations

import uuid

import grpc

from p2p.deliveries.v1 import deliveries_pb2 as pb
from tests.deliveries.conftest import (create_request, expect, latlng, make_offer, money, any_trip,
                                       violations)

OK = grpc.StatusCode


async def test_analytics_counts_views_offers_and_compares_prices(dl, customer, users, trips, stranger):
    r = await create_request(dl, customer, max_price=money(8_000))
    t1, t2, t3 = await users(), await users(), await users()
    for t, price in ((t1, 3_000), (t2, 5_000), (t3, 7_000)):
        trip = await any_trip(trips, t)
        o = await make_offer(dl, t, r.id, trip.id, price=price)
        await dl.GetDeliveryRequest(pb.GetDeliveryRequestRequest(delivery_request_id=r.id), metadata=t.md)
    await dl.GetDeliveryRequest(pb.GetDeliveryRequestRequest(delivery_request_id=r.id), metadata=t1.md)
    await dl.GetDeliveryRequest(pb.GetDeliveryRequestRequest(delivery_request_id=r.id), metadata=customer.md)
    await dl.WithdrawOffer(pb.WithdrawOfferRequest(delivery_request_id=r.id, offer_id=o.id), metadata=t3.md)
    a = await dl.GetDeliveryRequestAnalytics(pb.GetDeliveryRequestAnalyticsRequest(delivery_request_id=r.id),
                                             metadata=customer.md)
    assert (a.views, a.unique_viewers, a.total_offers) == (4, 3, 3)
    assert {(s.status, s.count) for s in a.offers_by_status} == {(pb.OFFER_STATUS_PENDING, 2),
                                                                   (pb.OFFER_STATUS_WITHDRAWN, 1)}
    # the withdrawn offer (7000) is left out of the price comparison
    assert (a.min_offer_price, a.avg_offer_price, a.max_offer_price) == (money(3_000), money(4_000), money(5_000))
    assert a.estimated_price == r.estimated_price and a.max_price == money(8_000)
    est = r.estimated_price.amount_minor
    assert a.avg_offer_vs_estimate_bp == round((4_000 - est) * 10_000 / est)
    assert a.first_offer_time.seconds > 0 and not a.HasField("accepted_price")
    await expect(OK.NOT_FOUND, dl.GetDeliveryRequestAnalytics(pb.GetDeliveryRequestAnalyticsRequest(
        delivery_request_id=r.id), metadata=t1.md))
    await expect(OK.NOT_FOUND, dl.GetDeliveryRequestAnalytics(pb.GetDeliveryRequestAnalyticsRequest(
        delivery_request_id=r.id), metadata=stranger.md))
    await expect(OK.INVALID_ARGUMENT, dl.GetDeliveryRequestAnalytics(pb.GetDeliveryRequestAnalyticsRequest(
        delivery_request_id=""), metadata=customer.md))
    await expect(OK.UNAUTHENTICATED, dl.GetDeliveryRequestAnalytics(pb.GetDeliveryRequestAnalyticsRequest(
        delivery_request_id=r.id)))


async def test_report_is_stored_once_per_user(dl, customer, traveler, users, dsql):
    r = await create_request(dl, customer)
    rep = await dl.ReportDeliveryRequest(pb.ReportDeliveryRequestRequest(
        delivery_request_id=r.id, reason=pb.REPORT_REASON_PROHIBITED_ITEM, details="Looks like a weapon"),
        metadata=traveler.md)
    assert rep.reporter_id == traveler.id and rep.reason == pb.REPORT_REASON_PROHIBITED_ITEM
    assert dsql("SELECT reason::text, details FROM delivery_request_reports WHERE id = %s", rep.id) == \
        [("prohibited_item", "Looks like a weapon")]
    assert dsql("SELECT payload->>'reason' FROM outbox_events WHERE topic = 'deliveries.request.reported' "
                "AND aggregate_id = %s", r.id) == [("prohibited_item",)]
    await expect(OK.ALREADY_EXISTS, dl.ReportDeliveryRequest(pb.ReportDeliveryRequestRequest(
        delivery_request_id=r.id, reason=pb.REPORT_REASON_SPAM), metadata=traveler.md), "ALREADY_REPORTED")
    await expect(OK.FAILED_PRECONDITION, dl.ReportDeliveryRequest(pb.ReportDeliveryRequestRequest(
        delivery_request_id=r.id, reason=pb.REPORT_REASON_SPAM), metadata=customer.md), "OWN_REQUEST")
    other_customer = await users("customer")   # cannot see it: NOT_FOUND
    await expect(OK.NOT_FOUND, dl.ReportDeliveryRequest(pb.ReportDeliveryRequestRequest(
        delivery_request_id=r.id, reason=pb.REPORT_REASON_SPAM), metadata=other_customer.md))
    v = violations(await expect(OK.INVALID_ARGUMENT, dl.ReportDeliveryRequest(pb.ReportDeliveryRequestRequest(
        delivery_request_id=r.id, reason=0, details="x" * 2001), metadata=traveler.md)))
    assert set(v) == {"reason", "details"}
    await expect(OK.UNAUTHENTICATED, dl.ReportDeliveryRequest(pb.ReportDeliveryRequestRequest(
        delivery_request_id=r.id, reason=pb.REPORT_REASON_SPAM)))
    a = await dl.GetDeliveryRequestAnalytics(pb.GetDeliveryRequestAnalyticsRequest(delivery_request_id=r.id),
                                             metadata=customer.md)
    assert a.reports == 1


async def test_statistics_of_my_requests(dl, users, traveler, trips):
    c = await users("customer")
    await create_request(dl, c, category=pb.ITEM_CATEGORY_BOOKS, weight=1_000)
    await create_request(dl, c, category=pb.ITEM_CATEGORY_BOOKS, weight=2_000)
    r3 = await create_request(dl, c, weight=3_000)
    await dl.CancelDeliveryRequest(pb.CancelDeliveryRequestRequest(delivery_request_id=r3.id, reason="x"),
                                   metadata=c.md)
    trip = await any_trip(trips, traveler)
    r4 = await create_request(dl, c, weight=500)
    o = await make_offer(dl, traveler, r4.id, trip.id, price=2_500)
    d = await dl.AcceptOffer(pb.AcceptOfferRequest(delivery_request_id=r4.id, offer_id=o.id), metadata=c.md)
    for status in (pb.DELIVERY_STATUS_PICKED_UP, pb.DELIVERY_STATUS_IN_TRANSIT, pb.DELIVERY_STATUS_DELIVERED):
        await dl.TransitionDelivery(pb.TransitionDeliveryRequest(delivery_id=d.id, status=status), metadata=traveler.md)
    await dl.TransitionDelivery(pb.TransitionDeliveryRequest(delivery_id=d.id, status=pb.DELIVERY_STATUS_COMPLETED),
                                metadata=c.md)
    st = await dl.GetDeliveryRequestStatistics(pb.GetDeliveryRequestStatisticsRequest(), metadata=c.md)
    assert st.total_requests == 4 and st.total_weight_grams == 6_500
    assert {(s.status, s.count) for s in st.by_status} == {(pb.DELIVERY_REQUEST_STATUS_OPEN, 2),
                                                            (pb.DELIVERY_REQUEST_STATUS_CANCELLED, 1),
                                                            (pb.DELIVERY_REQUEST_STATUS_COMPLETED, 1)}
    assert [(x.category, x.count) for x in st.by_category] == [(pb.ITEM_CATEGORY_ELECTRONICS, 2),
                                                               (pb.ITEM_CATEGORY_BOOKS, 2)] or \
        [(x.category, x.count) for x in st.by_category] == [(pb.ITEM_CATEGORY_BOOKS, 2),
                                                            (pb.ITEM_CATEGORY_ELECTRONICS, 2)]
    assert len(st.by_month) == 1 and st.by_month[0].count == 4
    assert st.offers_received == 1 and st.deliveries_completed == 1 and list(st.total_spent) == [money(2_500)]
    empty = await dl.GetDeliveryRequestStatistics(pb.GetDeliveryRequestStatisticsRequest(), metadata=traveler.md)
    assert empty.total_requests == 0
    await expect(OK.UNAUTHENTICATED, dl.GetDeliveryRequestStatistics(pb.GetDeliveryRequestStatisticsRequest()))


async def test_popular_routes_aggregate_requests(dl, users):
    c = await users("customer")
    # A grid cell nobody else uses: 6 requests on one route, 2 on another from the same origin cell.
    o = (-50 - (uuid.uuid4().int % 60) * 0.5, 120.0)     # a grid point: +0.05 stays in its cell
    d1, d2 = (o[0] + 5, 125.0), (o[0] + 10, 130.0)
    for i in range(6):
        await create_request(dl, c, pickup=(f"Harbour {'A' if i < 4 else 'B'}", (o[0] + 0.01 * i, o[1])),
                             dropoff=("Airport", d1), category=pb.ITEM_CATEGORY_BOOKS if i < 4 else pb.ITEM_CATEGORY_TOYS)
    for _ in range(2):
        await create_request(dl, c, pickup=("Harbour A", o), dropoff=("Station", d2))
    res = await dl.ListPopularRoutes(pb.ListPopularRoutesRequest(days=1, limit=50), metadata=c.md)
    mine = [r for r in res.routes if r.origin_address in ("Harbour A", "Harbour B")
            and r.destination_address in ("Airport", "Station") and abs(r.origin.latitude - o[0]) < 1]
    assert [(r.destination_address, r.requests) for r in mine] == [("Airport", 6), ("Station", 2)]
    top = mine[0]
    assert top.origin_address == "Harbour A" and list(top.top_categories)[:2] == [pb.ITEM_CATEGORY_BOOKS,
                                                                                  pb.ITEM_CATEGORY_TOYS]
    assert top.min_estimated_price.amount_minor <= top.avg_estimated_price.amount_minor <= \
        top.max_estimated_price.amount_minor
    counts = [r.requests for r in res.routes]
    assert counts == sorted(counts, reverse=True)
    v = violations(await expect(OK.INVALID_ARGUMENT, dl.ListPopularRoutes(pb.ListPopularRoutesRequest(
        days=400, limit=51), metadata=c.md)))
    assert set(v) == {"days", "limit"}
    await expect(OK.UNAUTHENTICATED, dl.ListPopularRoutes(pb.ListPopularRoutesRequest()))


async def test_recommendations_similar_requests_and_pricing(dl, users, traveler, trips):
    me, other = await users("customer"), await users("customer")
    o = (-20 - uuid.uuid4().int % 500 / 100, -40.0)
    d = (o[0] + 1, o[1] + 1)
    mine = await create_request(dl, me, pickup=("A", o), dropoff=("B", d))
    similar = await create_request(dl, other, pickup=("A2", (o[0] + 0.05, o[1])), dropoff=("B2", d))
    await create_request(dl, other, pickup=("far", (o[0] + 3, o[1])), dropoff=("B", d))
    # market: one accepted delivery on the route
    sold = await create_request(dl, other, pickup=("A3", o), dropoff=("B3", d))
    trip = await any_trip(trips, traveler)
    offer = await make_offer(dl, traveler, sold.id, trip.id, price=6_000)
    await dl.AcceptOffer(pb.AcceptOfferRequest(delivery_request_id=sold.id, offer_id=offer.id), metadata=other.md)
    rec = await dl.GetRecommendations(pb.GetRecommendationsRequest(delivery_request_id=mine.id), metadata=me.md)
    assert [r.id for r in rec.similar_requests] == [similar.id]
    assert rec.similar_requests[0].public_view and not rec.similar_requests[0].pickup.contact_phone
    p = rec.pricing
    assert p.estimated_price == mine.estimated_price and p.market_samples == 1
    assert p.market_avg_price == money(6_000) and p.market_min_price == money(6_000)
    assert p.suggested_max_price == money(6_000)
    draft = await dl.GetRecommendations(pb.GetRecommendationsRequest(
        pickup=latlng(o), dropoff=latlng(d), weight_grams=2_000, urgency=pb.URGENCY_STANDARD), metadata=me.md)
    assert {r.id for r in draft.similar_requests} == {similar.id}     # open ones of others; mine left out
    assert draft.pricing.estimated_price == mine.estimated_price
    v = violations(await expect(OK.INVALID_ARGUMENT, dl.GetRecommendations(pb.GetRecommendationsRequest(
        weight_grams=0, currency_code="xx"), metadata=me.md)))
    assert {"pickup", "dropoff", "weight_grams", "currency_code"} <= set(v)
    await expect(OK.NOT_FOUND, dl.GetRecommendations(pb.GetRecommendationsRequest(
        delivery_request_id=mine.id), metadata=other.md))
    await expect(OK.UNAUTHENTICATED, dl.GetRecommendations(pb.GetRecommendationsRequest()))
