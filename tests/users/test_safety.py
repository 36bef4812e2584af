"""Safety: blocks (and the block relations deliveries asks for), favorite travelers, reports
about users into an admin queue with status and resolution."""
from __future__ import annotations

import uuid

import grpc

from p2p.users.v1 import users_pb2 as pb
from tests.users.conftest import expect, violations


async def test_block_unblock_and_list(users, make_user, service_md):
    me, a, b = await make_user(), await make_user("traveler"), await make_user("traveler")
    blocked = await users.BlockUser(pb.BlockUserRequest(user_id=a.id, reason=pb.BLOCK_REASON_HARASSMENT,
                                                        comment="rude messages"), metadata=me.md)
    assert blocked.blocked_user_id == a.id and blocked.blocked_user.user_id == a.id
    assert blocked.blocked_user.first_name == a.first_name and blocked.comment == "rude messages"
    await users.BlockUser(pb.BlockUserRequest(user_id=b.id, reason=pb.BLOCK_REASON_SPAM), metadata=me.md)
    await expect(grpc.StatusCode.ALREADY_EXISTS, users.BlockUser(
        pb.BlockUserRequest(user_id=a.id, reason=pb.BLOCK_REASON_SPAM), metadata=me.md), "ALREADY_BLOCKED")
    pages, token = [], ""
    while True:
        r = await users.ListBlockedUsers(pb.ListBlockedUsersRequest(page_size=1, page_token=token), metadata=me.md)
        pages.append([x.blocked_user_id for x in r.blocks])
        token = r.next_page_token
        if not token:
            break
    assert pages == [[b.id], [a.id]]
    # what deliveries asks: both directions, optionally among some users
    rel = await users.GetBlockRelations(pb.GetBlockRelationsRequest(user_id=me.id), metadata=service_md("deliveries"))
    assert sorted(rel.blocked_user_ids) == sorted([a.id, b.id]) and list(rel.blocked_by_user_ids) == []
    rel = await users.GetBlockRelations(pb.GetBlockRelationsRequest(user_id=a.id, other_user_ids=[me.id, b.id]),
                                        metadata=service_md("deliveries"))
    assert list(rel.blocked_user_ids) == [] and list(rel.blocked_by_user_ids) == [me.id]
    await users.UnblockUser(pb.UnblockUserRequest(user_id=a.id), metadata=me.md)
    await expect(grpc.StatusCode.NOT_FOUND, users.UnblockUser(pb.UnblockUserRequest(user_id=a.id), metadata=me.md),
                 "NOT_BLOCKED")
    rel = await users.GetBlockRelations(pb.GetBlockRelationsRequest(user_id=a.id), metadata=service_md("deliveries"))
    assert list(rel.blocked_by_user_ids) == []


async def test_block_rules(users, make_user, service_md):
    me = await make_user()
    err = await expect(grpc.StatusCode.INVALID_ARGUMENT, users.BlockUser(
        pb.BlockUserRequest(user_id=me.id, reason=pb.BLOCK_REASON_SPAM), metadata=me.md), "SELF_NOT_ALLOWED")
    assert "user_id" in violations(err)
    await expect(grpc.StatusCode.NOT_FOUND, users.BlockUser(
        pb.BlockUserRequest(user_id=str(uuid.uuid4()), reason=pb.BLOCK_REASON_SPAM), metadata=me.md), "USER_NOT_FOUND")
    err = await expect(grpc.StatusCode.INVALID_ARGUMENT, users.BlockUser(
        pb.BlockUserRequest(user_id="x", comment="c" * 1001), metadata=me.md))
    assert {"user_id", "reason", "comment"} <= set(violations(err))
    # relations are for services (and admins), not users
    await expect(grpc.StatusCode.PERMISSION_DENIED, users.GetBlockRelations(
        pb.GetBlockRelationsRequest(user_id=me.id), metadata=me.md), "SERVICE_REQUIRED")
    err = await expect(grpc.StatusCode.INVALID_ARGUMENT, users.GetBlockRelations(
        pb.GetBlockRelationsRequest(user_id="x", other_user_ids=["y"]), metadata=service_md("deliveries")))
    assert {"user_id", "other_user_ids[0]"} <= set(violations(err))


async def test_favorites(users, make_user):
    me, t, c = await make_user("customer"), await make_user("traveler"), await make_user("customer")
    fav = await users.AddFavorite(pb.AddFavoriteRequest(traveler_id=t.id), metadata=me.md)
    assert fav.traveler_id == t.id and fav.traveler.display_name.startswith(t.first_name)
    await expect(grpc.StatusCode.ALREADY_EXISTS, users.AddFavorite(pb.AddFavoriteRequest(traveler_id=t.id),
                                                                   metadata=me.md), "ALREADY_FAVORITE")
    await expect(grpc.StatusCode.FAILED_PRECONDITION, users.AddFavorite(pb.AddFavoriteRequest(traveler_id=c.id),
                                                                        metadata=me.md), "NOT_A_TRAVELER")
    await expect(grpc.StatusCode.INVALID_ARGUMENT, users.AddFavorite(pb.AddFavoriteRequest(traveler_id=me.id),
                                                                     metadata=me.md), "SELF_NOT_ALLOWED")
    await expect(grpc.StatusCode.NOT_FOUND, users.AddFavorite(pb.AddFavoriteRequest(traveler_id=str(uuid.uuid4())),
                                                              metadata=me.md), "USER_NOT_FOUND")
    listed = await users.ListFavorites(pb.ListFavoritesRequest(), metadata=me.md)
    assert [f.traveler_id for f in listed.favorites] == [t.id]
    # blocking removes the favorite, and a blocked user cannot become one
    await users.BlockUser(pb.BlockUserRequest(user_id=t.id, reason=pb.BLOCK_REASON_NO_SHOW), metadata=me.md)
    assert list((await users.ListFavorites(pb.ListFavoritesRequest(), metadata=me.md)).favorites) == []
    await expect(grpc.StatusCode.FAILED_PRECONDITION, users.AddFavorite(pb.AddFavoriteRequest(traveler_id=t.id),
                                                                        metadata=me.md), "BLOCKED")
    await users.UnblockUser(pb.UnblockUserRequest(user_id=t.id), metadata=me.md)
    await users.AddFavorite(pb.AddFavoriteRequest(traveler_id=t.id), metadata=me.md)
    await users.RemoveFavorite(pb.RemoveFavoriteRequest(traveler_id=t.id), metadata=me.md)
    await expect(grpc.StatusCode.NOT_FOUND, users.RemoveFavorite(pb.RemoveFavoriteRequest(traveler_id=t.id),
                                                                 metadata=me.md), "NOT_A_FAVORITE")


async def test_report_a_user_into_the_admin_queue(users, make_user, admin_md, usql):
    me, bad = await make_user(), await make_user()
    err = await expect(grpc.StatusCode.INVALID_ARGUMENT, users.ReportUser(pb.ReportUserRequest(
        reported_user_id=bad.id, category=pb.REPORT_CATEGORY_FRAUD, description="short"), metadata=me.md))
    assert "description" in violations(err)
    await expect(grpc.StatusCode.INVALID_ARGUMENT, users.ReportUser(pb.ReportUserRequest(
        reported_user_id=me.id, category=pb.REPORT_CATEGORY_FRAUD, description="reporting myself, oddly"),
        metadata=me.md), "SELF_NOT_ALLOWED")
    req = pb.ReportUserRequest(reported_user_id=bad.id, category=pb.REPORT_CATEGORY_NO_SHOW,
                               description="Did not show up at the pickup on delivery D-123456",
                               request_id=f"r-{uuid.uuid4()}")
    rep = await users.ReportUser(req, metadata=me.md)
    assert rep.status == pb.REPORT_STATUS_OPEN and rep.reported_user_id == bad.id
    assert (await users.ReportUser(req, metadata=me.md)).id == rep.id           # same request id: same report
    await expect(grpc.StatusCode.ALREADY_EXISTS, users.ReportUser(pb.ReportUserRequest(
        reported_user_id=bad.id, category=pb.REPORT_CATEGORY_FRAUD, description="And again, another time"),
        metadata=me.md), "ALREADY_REPORTED")
    assert usql("SELECT count(*) FROM outbox_events WHERE topic = 'users.user.reported' AND payload->>'report_id' = %s",
                rep.id)[0][0] == 1
    await expect(grpc.StatusCode.PERMISSION_DENIED, users.ListUserReports(pb.ListUserReportsRequest(), metadata=me.md),
                 "ADMIN_REQUIRED")
    queue = await users.ListUserReports(pb.ListUserReportsRequest(page_size=200), metadata=admin_md())
    assert rep.id in [r.id for r in queue.reports]
    err = await expect(grpc.StatusCode.INVALID_ARGUMENT, users.ResolveUserReport(pb.ResolveUserReportRequest(
        report_id=rep.id, status=pb.REPORT_STATUS_RESOLVED), metadata=admin_md()))
    assert "resolution" in violations(err)
    await expect(grpc.StatusCode.INVALID_ARGUMENT, users.ResolveUserReport(pb.ResolveUserReportRequest(
        report_id=rep.id, status=pb.REPORT_STATUS_OPEN), metadata=admin_md()))
    step = await users.ResolveUserReport(pb.ResolveUserReportRequest(report_id=rep.id, status=pb.REPORT_STATUS_IN_REVIEW),
                                         metadata=admin_md())
    assert step.status == pb.REPORT_STATUS_IN_REVIEW and step.reviewed_by == admin_md.user_id
    done = await users.ResolveUserReport(pb.ResolveUserReportRequest(
        report_id=rep.id, status=pb.REPORT_STATUS_RESOLVED, resolution="Warned the user"), metadata=admin_md())
    assert done.status == pb.REPORT_STATUS_RESOLVED and done.resolution == "Warned the user"
    await expect(grpc.StatusCode.FAILED_PRECONDITION, users.ResolveUserReport(pb.ResolveUserReportRequest(
        report_id=rep.id, status=pb.REPORT_STATUS_DISMISSED, resolution="no"), metadata=admin_md()), "REPORT_CLOSED")
    await expect(grpc.StatusCode.NOT_FOUND, users.ResolveUserReport(pb.ResolveUserReportRequest(
        report_id=str(uuid.uuid4()), status=pb.REPORT_STATUS_IN_REVIEW), metadata=admin_md()), "REPORT_NOT_FOUND")
    # once closed, the same reporter may report again
    again = await users.ReportUser(pb.ReportUserRequest(reported_user_id=bad.id, category=pb.REPORT_CATEGORY_FRAUD,
                                                        description="Asked me to pay outside the app"), metadata=me.md)
    assert again.id != rep.id
