"""Reviews: only the participants of a completed delivery review each other, once; ratings flow
into statistics, public profiles and BatchGetRatings; anonymity; moderation (reports, hide /
remove / approve by admins; hidden reviews leave the ratings)."""
from __future__ import annotations

import uuid

import grpc

from p2p.users.v1 import users_pb2 as pb
from tests.users.conftest import completed_delivery, delivery_event, eur, expect, violations


def review(delivery_id: str, stars: int, **kw) -> pb.CreateReviewRequest:
    return pb.CreateReviewRequest(delivery_id=delivery_id, overall_rating=stars, **kw)


async def test_participants_review_each_other_once(users, make_user, service_md):
    c, t, stranger = await make_user("customer"), await make_user("traveler"), await make_user()
    did = await completed_delivery(users, service_md, c, t)
    by_customer = await users.CreateReview(review(did, 5, communication_rating=4, punctuality_rating=5,
                                                  carefulness_rating=5, friendliness_rating=4,
                                                  comment="Careful and on time"), metadata=c.md)
    assert by_customer.reviewee_id == t.id and by_customer.reviewer_id == c.id
    assert by_customer.reviewer_role == pb.PARTICIPANT_ROLE_CUSTOMER and by_customer.status == pb.REVIEW_STATUS_PUBLISHED
    assert by_customer.reviewer_display_name == f"{c.first_name} {c.last_name[0]}."
    by_traveler = await users.CreateReview(review(did, 3), metadata=t.md)
    assert by_traveler.reviewee_id == c.id and by_traveler.reviewer_role == pb.PARTICIPANT_ROLE_TRAVELER
    # a third user cannot review it; nobody reviews twice
    await expect(grpc.StatusCode.PERMISSION_DENIED, users.CreateReview(review(did, 1), metadata=stranger.md),
                 "NOT_A_PARTICIPANT")
    await expect(grpc.StatusCode.ALREADY_EXISTS, users.CreateReview(review(did, 1), metadata=c.md), "REVIEW_EXISTS")
    # the ratings show on each public profile, in statistics and in the batch ratings
    pub = await users.GetUserProfile(pb.GetUserProfileRequest(user_id=t.id), metadata=stranger.md)
    assert (pub.average_rating, pub.rating_count) == (5.0, 1)
    pub = await users.GetUserProfile(pb.GetUserProfileRequest(user_id=c.id), metadata=stranger.md)
    assert (pub.average_rating, pub.rating_count) == (3.0, 1)
    r = await users.BatchGetRatings(pb.BatchGetRatingsRequest(user_ids=[t.id, c.id, stranger.id, t.id]),
                                    metadata=service_md("deliveries"))
    assert [(x.user_id, x.average_rating, x.rating_count) for x in r.ratings] == [
        (t.id, 5.0, 1), (c.id, 3.0, 1), (stranger.id, 0.0, 0)]
    # the activity of both sides
    feed = await users.ListMyActivity(pb.ListMyActivityRequest(categories=[pb.ACTIVITY_CATEGORY_REVIEWS]),
                                      metadata=t.md)
    assert {e.kind for e in feed.events} == {pb.ACTIVITY_KIND_REVIEW_RECEIVED, pb.ACTIVITY_KIND_REVIEW_WRITTEN}


async def test_only_completed_known_deliveries_and_valid_reviews(users, make_user, service_md):
    c, t = await make_user("customer"), await make_user("traveler")
    await expect(grpc.StatusCode.NOT_FOUND, users.CreateReview(review(str(uuid.uuid4()), 4), metadata=c.md),
                 "DELIVERY_NOT_FOUND")
    did = str(uuid.uuid4())
    await delivery_event(users, service_md, "accepted", did, c.id, t.id, price=eur(100))
    await expect(grpc.StatusCode.FAILED_PRECONDITION, users.CreateReview(review(did, 4), metadata=c.md),
                 "DELIVERY_NOT_COMPLETED")
    await delivery_event(users, service_md, "cancelled", did, c.id, t.id)
    await expect(grpc.StatusCode.FAILED_PRECONDITION, users.CreateReview(review(did, 4), metadata=c.md),
                 "DELIVERY_NOT_COMPLETED")
    done = await completed_delivery(users, service_md, c, t)
    err = await expect(grpc.StatusCode.INVALID_ARGUMENT, users.CreateReview(review(
        done, 6, communication_rating=-1, friendliness_rating=9, comment="x" * 2001), metadata=c.md))
    assert {"overall_rating", "communication_rating", "friendliness_rating", "comment"} <= set(violations(err))
    err = await expect(grpc.StatusCode.INVALID_ARGUMENT, users.CreateReview(review(done, 0, comment="ok"),
                                                                            metadata=c.md))
    assert {"overall_rating", "comment"} <= set(violations(err))
    # the same request id returns the first review
    req = review(done, 4, request_id=f"r-{uuid.uuid4()}")
    first = await users.CreateReview(req, metadata=c.md)
    assert (await users.CreateReview(req, metadata=c.md)).id == first.id


async def test_anonymous_reviews_and_listing(users, make_user, service_md, admin_md):
    t = await make_user("traveler")
    customers = [await make_user("customer") for _ in range(3)]
    ids = []
    for i, c in enumerate(customers):
        did = await completed_delivery(users, service_md, c, t)
        ids.append((await users.CreateReview(review(did, 4 + (i % 2), is_anonymous=(i == 1), comment=f"trip {i}"),
                                             metadata=c.md)).id)
    viewer = await make_user()
    got, token = [], ""
    while True:
        r = await users.ListUserReviews(pb.ListUserReviewsRequest(user_id=t.id, page_size=2, page_token=token),
                                        metadata=viewer.md)
        got += list(r.reviews)
        token = r.next_page_token
        if not token:
            break
    assert [x.id for x in got] == ids[::-1] and r.rating_count == 3 and round(r.average_rating, 2) == 4.33
    anon = next(x for x in got if x.id == ids[1])
    assert anon.reviewer_id == "" and anon.reviewer_display_name == "Anonymous" and anon.is_anonymous
    named = next(x for x in got if x.id == ids[0])
    assert named.reviewer_id == customers[0].id
    # the author sees their own anonymous review as theirs; admins see who wrote it
    mine = await users.ListUserReviews(pb.ListUserReviewsRequest(user_id="me", role=pb.REVIEW_ROLE_GIVEN),
                                       metadata=customers[1].md)
    assert [x.reviewer_id for x in mine.reviews] == [customers[1].id]
    as_admin = await users.ListUserReviews(pb.ListUserReviewsRequest(user_id=t.id), metadata=admin_md())
    assert next(x for x in as_admin.reviews if x.id == ids[1]).reviewer_id == customers[1].id
    # another user's GIVEN list leaves anonymous reviews out (it would name their author)
    given = await users.ListUserReviews(pb.ListUserReviewsRequest(user_id=customers[1].id, role=pb.REVIEW_ROLE_GIVEN),
                                        metadata=viewer.md)
    assert list(given.reviews) == []
    given = await users.ListUserReviews(pb.ListUserReviewsRequest(user_id=customers[0].id, role=pb.REVIEW_ROLE_GIVEN),
                                        metadata=viewer.md)
    assert [x.id for x in given.reviews] == [ids[0]]


async def test_reviews_filtered_by_trip(users, make_user, service_md):
    t, c1, c2 = await make_user("traveler"), await make_user("customer"), await make_user("customer")
    trip, other = str(uuid.uuid4()), str(uuid.uuid4())
    on_trip = await completed_delivery(users, service_md, c1, t, trip_id=trip)
    elsewhere = await completed_delivery(users, service_md, c2, t, trip_id=other)
    mine = (await users.CreateReview(review(on_trip, 5), metadata=c1.md)).id
    await users.CreateReview(review(elsewhere, 2), metadata=c2.md)
    await users.CreateReview(review(on_trip, 4), metadata=t.md)          # the traveler's, of the customer
    r = await users.ListUserReviews(pb.ListUserReviewsRequest(user_id=t.id, trip_id=trip), metadata=c2.md)
    assert [x.id for x in r.reviews] == [mine] and (r.average_rating, r.rating_count) == (5.0, 1)
    r = await users.ListUserReviews(pb.ListUserReviewsRequest(user_id=t.id, trip_id=str(uuid.uuid4())),
                                    metadata=c2.md)
    assert list(r.reviews) == [] and (r.average_rating, r.rating_count) == (0.0, 0)
    r = await users.ListUserReviews(pb.ListUserReviewsRequest(user_id=t.id), metadata=c2.md)
    assert r.rating_count == 2
    err = await expect(grpc.StatusCode.INVALID_ARGUMENT, users.ListUserReviews(
        pb.ListUserReviewsRequest(user_id=t.id, trip_id="not-a-trip"), metadata=c2.md))
    assert set(violations(err)) == {"trip_id"}
    await expect(grpc.StatusCode.UNAUTHENTICATED, users.ListUserReviews(
        pb.ListUserReviewsRequest(user_id=t.id, trip_id=trip)))


async def test_moderation_hides_reviews_from_ratings(users, make_user, service_md, admin_md):
    c1, c2, t = await make_user("customer"), await make_user("customer"), await make_user("traveler")
    d1 = await completed_delivery(users, service_md, c1, t)
    d2 = await completed_delivery(users, service_md, c2, t)
    bad = await users.CreateReview(review(d1, 1, comment="Terrible, call him at +33600000000"), metadata=c1.md)
    await users.CreateReview(review(d2, 5), metadata=c2.md)
    reporter = await make_user()
    await expect(grpc.StatusCode.FAILED_PRECONDITION, users.ReportReview(pb.ReportReviewRequest(
        review_id=bad.id, reason=pb.REVIEW_REPORT_REASON_SPAM), metadata=c1.md), "OWN_REVIEW")
    rep = await users.ReportReview(pb.ReportReviewRequest(review_id=bad.id,
                                                          reason=pb.REVIEW_REPORT_REASON_PERSONAL_INFORMATION,
                                                          description="Contains a phone number"), metadata=t.md)
    assert rep.status == pb.REPORT_STATUS_OPEN
    await users.ReportReview(pb.ReportReviewRequest(review_id=bad.id, reason=pb.REVIEW_REPORT_REASON_OTHER),
                             metadata=reporter.md)
    await expect(grpc.StatusCode.ALREADY_EXISTS, users.ReportReview(pb.ReportReviewRequest(
        review_id=bad.id, reason=pb.REVIEW_REPORT_REASON_SPAM), metadata=t.md), "ALREADY_REPORTED")
    queue = await users.ListReviewReports(pb.ListReviewReportsRequest(page_size=200), metadata=admin_md())
    assert rep.id in [r.id for r in queue.reports]
    await expect(grpc.StatusCode.PERMISSION_DENIED, users.ListReviewReports(pb.ListReviewReportsRequest(),
                                                                            metadata=t.md), "ADMIN_REQUIRED")
    await expect(grpc.StatusCode.PERMISSION_DENIED, users.ModerateReview(pb.ModerateReviewRequest(
        review_id=bad.id, action=pb.MODERATION_ACTION_HIDE), metadata=t.md), "ADMIN_REQUIRED")
    pub = await users.GetUserProfile(pb.GetUserProfileRequest(user_id=t.id), metadata=reporter.md)
    assert (pub.average_rating, pub.rating_count) == (3.0, 2)
    hidden = await users.ModerateReview(pb.ModerateReviewRequest(review_id=bad.id, action=pb.MODERATION_ACTION_HIDE,
                                                                 notes="personal data"), metadata=admin_md())
    assert hidden.status == pb.REVIEW_STATUS_HIDDEN and hidden.moderation_status == pb.MODERATION_STATUS_HIDDEN
    assert hidden.moderation_notes == "personal data"
    pub = await users.GetUserProfile(pb.GetUserProfileRequest(user_id=t.id), metadata=reporter.md)
    assert (pub.average_rating, pub.rating_count) == (5.0, 1)                  # the hidden review left the rating
    r = await users.BatchGetRatings(pb.BatchGetRatingsRequest(user_ids=[t.id]), metadata=service_md("deliveries"))
    assert (r.ratings[0].average_rating, r.ratings[0].rating_count) == (5.0, 1)
    listed = await users.ListUserReviews(pb.ListUserReviewsRequest(user_id=t.id), metadata=reporter.md)
    assert bad.id not in [x.id for x in listed.reviews] and all(x.moderation_notes == "" for x in listed.reviews)
    resolved = await users.ListReviewReports(pb.ListReviewReportsRequest(status=pb.REPORT_STATUS_RESOLVED,
                                                                         page_size=200), metadata=admin_md())
    mine = [r for r in resolved.reports if r.review_id == bad.id]
    assert len(mine) == 2 and all(r.moderation_action == "hide" and r.resolution == "personal data" for r in mine)
    # approving brings it back
    back = await users.ModerateReview(pb.ModerateReviewRequest(review_id=bad.id, action=pb.MODERATION_ACTION_APPROVE),
                                      metadata=service_md("admin", ("admin",)))
    assert back.status == pb.REVIEW_STATUS_PUBLISHED and back.moderation_status == pb.MODERATION_STATUS_APPROVED
    pub = await users.GetUserProfile(pb.GetUserProfileRequest(user_id=t.id), metadata=reporter.md)
    assert pub.rating_count == 2
    removed = await users.ModerateReview(pb.ModerateReviewRequest(review_id=bad.id, action=pb.MODERATION_ACTION_REMOVE),
                                         metadata=admin_md())
    assert removed.status == pb.REVIEW_STATUS_REMOVED
    await expect(grpc.StatusCode.NOT_FOUND, users.ReportReview(pb.ReportReviewRequest(
        review_id=bad.id, reason=pb.REVIEW_REPORT_REASON_SPAM), metadata=c2.md), "REVIEW_NOT_FOUND")


async def test_batch_ratings_is_internal_and_validated(users, alice, service_md):
    await expect(grpc.StatusCode.PERMISSION_DENIED, users.BatchGetRatings(
        pb.BatchGetRatingsRequest(user_ids=[alice.id]), metadata=alice.md), "SERVICE_REQUIRED")
    for ids, field in (([], "user_ids"), (["nope"], "user_ids[0]"), ([str(uuid.uuid4())] * 501, "user_ids")):
        err = await expect(grpc.StatusCode.INVALID_ARGUMENT, users.BatchGetRatings(
            pb.BatchGetRatingsRequest(user_ids=ids), metadata=service_md("deliveries")))
        assert field in violations(err)
