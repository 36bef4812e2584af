"""The gRPC adapter of users: protobuf in -> domain call -> protobuf out. No SQL, no rules."""
from __future__ import annotations

import datetime as dt
from typing import AsyncIterator

from google.api import httpbody_pb2
from google.protobuf import descriptor as d

from p2p.auth.v1 import auth_pb2 as apb
from p2p.common.v1 import common_pb2 as cpb
from p2p.users.v1 import users_pb2 as pb
from p2p.users.v1 import users_pb2_grpc
from services.common.errors import InvalidArgument
from services.common.identity import caller
from services.common.timestamps import ts
from services.users import store
from services.users.auth_gateway import LEVEL_PB, USER_TYPE
from services.users.domain import UsersDomain
from services.users.domain.activity import CATEGORY_OF, ActivityFilter
from services.users.domain.addresses import AddressInput
from services.users.domain.events import DeliveryEvent, TripEvent
from services.users.domain.profiles import MyProfileView, PhotoView, PublicView
from services.users.domain.reviews import ReviewInput, ReviewView
from services.users.domain.statistics import StatsView
from services.users.domain.verification import DocumentMeta, missing_sides, uploaded_sides
from services.users.domain import uploads


def _enum_maps(enum, prefix: str) -> tuple[dict[int, str], dict[str, int]]:
    to_str = {v.number: v.name.removeprefix(prefix).lower() for v in enum.DESCRIPTOR.values if v.number}
    return to_str, {s: n for n, s in to_str.items()}


ADDRESS_TYPE, ADDRESS_TYPE_PB = _enum_maps(pb.AddressType, "ADDRESS_TYPE_")
DOCUMENT_TYPE, DOCUMENT_TYPE_PB = _enum_maps(pb.DocumentType, "DOCUMENT_TYPE_")
SIDE, SIDE_PB = _enum_maps(pb.DocumentSide, "DOCUMENT_SIDE_")
VERIFICATION_STATUS, VERIFICATION_STATUS_PB = _enum_maps(pb.VerificationStatus, "VERIFICATION_STATUS_")
DECISION, _ = _enum_maps(pb.ReviewDecision, "REVIEW_DECISION_")
REVIEW_STATUS, REVIEW_STATUS_PB = _enum_maps(pb.ReviewStatus, "REVIEW_STATUS_")
MODERATION_STATUS, MODERATION_STATUS_PB = _enum_maps(pb.ModerationStatus, "MODERATION_STATUS_")
MODERATION_ACTION, _ = _enum_maps(pb.ModerationAction, "MODERATION_ACTION_")
REVIEW_ROLE, _ = _enum_maps(pb.ReviewRole, "REVIEW_ROLE_")
REVIEW_REPORT_REASON, REVIEW_REPORT_REASON_PB = _enum_maps(pb.ReviewReportReason, "REVIEW_REPORT_REASON_")
REPORT_STATUS, REPORT_STATUS_PB = _enum_maps(pb.ReportStatus, "REPORT_STATUS_")
BLOCK_REASON, BLOCK_REASON_PB = _enum_maps(pb.BlockReason, "BLOCK_REASON_")
REPORT_CATEGORY, REPORT_CATEGORY_PB = _enum_maps(pb.ReportCategory, "REPORT_CATEGORY_")
PHOTO_SIZE, PHOTO_SIZE_PB = _enum_maps(pb.PhotoSize, "PHOTO_SIZE_")
ACTIVITY_CATEGORY, ACTIVITY_CATEGORY_PB = _enum_maps(pb.ActivityCategory, "ACTIVITY_CATEGORY_")
ACTIVITY_KIND, ACTIVITY_KIND_PB = _enum_maps(pb.ActivityKind, "ACTIVITY_KIND_")
DELIVERY_EVENT, _ = _enum_maps(pb.DeliveryEventType, "DELIVERY_EVENT_TYPE_")
TRIP_EVENT, _ = _enum_maps(pb.TripEventType, "TRIP_EVENT_TYPE_")
ROLE_PB = {"customer": pb.PARTICIPANT_ROLE_CUSTOMER, "traveler": pb.PARTICIPANT_ROLE_TRAVELER}
USER_TYPE_PB = {v: k for k, v in USER_TYPE.items()}

assert set(ADDRESS_TYPE.values()) == set(store.ADDRESS_TYPES)
assert set(DOCUMENT_TYPE.values()) == set(store.DOCUMENT_TYPES)
assert set(SIDE.values()) == set(store.DOCUMENT_SIDES)
assert set(VERIFICATION_STATUS.values()) == set(store.VERIFICATION_STATUSES)
assert set(REVIEW_STATUS.values()) == set(store.REVIEW_STATUSES)
assert set(MODERATION_STATUS.values()) == set(store.MODERATION_STATUSES)
assert set(REVIEW_REPORT_REASON.values()) == set(store.REVIEW_REPORT_REASONS)
assert set(REPORT_STATUS.values()) == set(store.REPORT_STATUSES)
assert set(BLOCK_REASON.values()) == set(store.BLOCK_REASONS)
assert set(REPORT_CATEGORY.values()) == set(store.REPORT_CATEGORIES)
assert set(ACTIVITY_KIND.values()) == set(store.ACTIVITY_KINDS)
assert set(ACTIVITY_CATEGORY.values()) == set(CATEGORY_OF.values())


def enum_in(value: int, mapping: dict[int, str]) -> str:
    """"" for UNSPECIFIED (0), "?" for a number the enum does not define."""
    return "" if value == 0 else mapping.get(value, "?")


def time_in(msg, name: str) -> dt.datetime | None:
    if not msg.HasField(name):
        return None
    try:
        return getattr(msg, name).ToDatetime(tzinfo=dt.timezone.utc)
    except (ValueError, OverflowError):
        raise InvalidArgument("the request has invalid fields", [(name, "is not a valid timestamp")]) from None


def money_list(amounts: dict[str, int] | None) -> list[cpb.Money]:
    return [cpb.Money(amount_minor=int(a), currency_code=c) for c, a in sorted((amounts or {}).items())]


# -- documents <-> messages (preferences: enum fields as lower-case names without prefix) ------

def _enum_prefix(enum: d.EnumDescriptor) -> str:
    return enum.values[0].name.removesuffix("UNSPECIFIED")


def msg_to_doc(msg) -> dict:
    out = {}
    for f in msg.DESCRIPTOR.fields:
        value = getattr(msg, f.name)
        if f.type == d.FieldDescriptor.TYPE_MESSAGE:
            out[f.name] = msg_to_doc(value)
        elif f.type == d.FieldDescriptor.TYPE_ENUM:
            ev = f.enum_type.values_by_number.get(value)
            out[f.name] = "" if value == 0 else ("?" if ev is None else ev.name.removeprefix(_enum_prefix(f.enum_type)).lower())
        else:
            out[f.name] = value
    return out


def doc_to_msg(doc: dict, msg) -> None:
    for f in msg.DESCRIPTOR.fields:
        if f.name not in doc:
            continue
        value = doc[f.name]
        if f.type == d.FieldDescriptor.TYPE_MESSAGE:
            doc_to_msg(value, getattr(msg, f.name))
        elif f.type == d.FieldDescriptor.TYPE_ENUM:
            ev = f.enum_type.values_by_name.get(_enum_prefix(f.enum_type) + str(value).upper())
            setattr(msg, f.name, ev.number if ev else 0)
        else:
            setattr(msg, f.name, value)


def preferences_pb(doc: dict, updated: dt.datetime | None) -> pb.Preferences:
    out = pb.Preferences(update_time=ts(updated))
    doc_to_msg(doc, out)
    return out


# -- resources ---------------------------------------------------------------------------------

def photo_pb(p: PhotoView | None) -> pb.ProfilePhoto | None:
    if p is None:
        return None
    out = pb.ProfilePhoto(photo_id=p.photo_id, update_time=ts(p.updated_at))
    for size, px in (("small", 64), ("medium", 256), ("large", 512)):
        out.variants.add(size=PHOTO_SIZE_PB[size], width=px, height=px, content_type=uploads.JPEG,
                         url=f"/api/v1/users/{p.user_id}/profile-picture?size=PHOTO_SIZE_{size.upper()}"
                             f"&version={p.photo_id}")
    out.variants.add(size=pb.PHOTO_SIZE_ORIGINAL, width=p.original_width, height=p.original_height,
                     content_type=p.original_content_type,
                     url=f"/api/v1/users/{p.user_id}/profile-picture?size=PHOTO_SIZE_ORIGINAL&version={p.photo_id}")
    return out


def public_pb(v: PublicView | None) -> pb.PublicProfile | None:
    if v is None:
        return None
    return pb.PublicProfile(
        user_id=v.user_id, display_name=v.display_name, first_name=v.first_name, last_initial=v.last_initial,
        photo=photo_pb(v.photo), user_type=USER_TYPE_PB.get(v.user_type, 0),
        verification_level=LEVEL_PB.get(v.verification_level, 0), phone_verified=v.phone_verified,
        identity_verified=v.identity_verified, average_rating=v.average_rating, rating_count=v.rating_count,
        total_trips=v.total_trips, total_deliveries=v.total_deliveries, successful_deliveries=v.successful_deliveries,
        completion_rate=v.completion_rate, member_since_time=ts(v.member_since), last_active_time=ts(v.last_active),
        blocked_by_me=v.blocked_by_me)


def stats_pb(v: StatsView) -> pb.UserStatistics:
    return pb.UserStatistics(
        user_id=v.user_id, total_trips=v.total_trips, total_deliveries=v.total_deliveries,
        successful_deliveries=v.successful_deliveries, cancelled_deliveries=v.cancelled_deliveries,
        total_earnings=money_list(v.earnings), total_spent=money_list(v.spent), average_rating=v.average_rating,
        total_ratings=v.total_ratings, response_time_minutes=v.response_time_minutes,
        completion_rate=v.completion_rate, last_active_time=ts(v.last_active_at),
        period_start_time=ts(v.period_start), period_end_time=ts(v.period_end),
        includes_money=v.earnings is not None)


def address_in(a: pb.Address) -> AddressInput:
    return AddressInput(type=enum_in(a.type, ADDRESS_TYPE), label=a.label, street=a.street, city=a.city,
                        state=a.state, postal_code=a.postal_code, country=a.country,
                        location=(a.location.latitude, a.location.longitude) if a.HasField("location") else None,
                        is_default=a.is_default)


def address_pb(r: store.Address) -> pb.Address:
    lat, lng = store.point_latlng(r.coordinates)
    out = pb.Address(id=str(r.id), type=ADDRESS_TYPE_PB[r.type], label=r.label or "", street=r.street, city=r.city,
                     state=r.state or "", postal_code=r.postal_code or "", country=r.country,
                     is_default=r.is_default, geocoded=r.geocoded, create_time=ts(r.created_at),
                     update_time=ts(r.updated_at))
    out.location.latitude, out.location.longitude = lat, lng
    return out


def document_pb(doc: store.VerificationDocument) -> pb.VerificationDocument:
    return pb.VerificationDocument(
        id=str(doc.id), user_id=str(doc.user_id), document_type=DOCUMENT_TYPE_PB[doc.document_type],
        status=VERIFICATION_STATUS_PB[doc.status], uploaded_sides=[SIDE_PB[s] for s in uploaded_sides(doc)],
        missing_sides=[SIDE_PB[s] for s in missing_sides(doc)], verify_time=ts(doc.verified_at),
        rejection_reason=doc.rejection_reason or "", create_time=ts(doc.created_at), update_time=ts(doc.updated_at))


def review_pb(v: ReviewView) -> pb.Review:
    r = v.row
    return pb.Review(
        id=str(r.id), delivery_id=str(r.delivery_id), reviewer_id=str(r.reviewer_id) if v.reviewer_visible else "",
        reviewer_display_name=v.reviewer_name, reviewee_id=str(r.reviewee_id), overall_rating=r.overall_rating,
        communication_rating=r.communication_rating or 0, punctuality_rating=r.punctuality_rating or 0,
        carefulness_rating=r.carefulness_rating or 0, friendliness_rating=r.friendliness_rating or 0,
        comment=r.comment or "", is_anonymous=r.is_anonymous, status=REVIEW_STATUS_PB[r.status],
        moderation_status=MODERATION_STATUS_PB[r.moderation_status],
        moderation_notes=(r.moderation_notes or "") if v.admin_view else "", moderate_time=ts(r.moderated_at),
        reviewer_role=ROLE_PB[r.reviewer_role], create_time=ts(r.created_at), update_time=ts(r.updated_at))


def review_report_pb(r: store.ReviewReport) -> pb.ReviewReport:
    return pb.ReviewReport(
        id=str(r.id), review_id=str(r.review_id), reporter_id=str(r.reporter_id),
        reason=REVIEW_REPORT_REASON_PB[r.reason], description=r.description or "", status=REPORT_STATUS_PB[r.status],
        reviewed_by=str(r.reviewed_by or ""), review_time=ts(r.reviewed_at), resolution=r.resolution or "",
        moderation_action=r.moderation_action or "", create_time=ts(r.created_at))


def user_report_pb(r: store.UserReport) -> pb.UserReport:
    return pb.UserReport(
        id=str(r.id), reporter_id=str(r.reporter_id), reported_user_id=str(r.reported_id),
        category=REPORT_CATEGORY_PB[r.category], description=r.description, status=REPORT_STATUS_PB[r.status],
        reviewed_by=str(r.reviewed_by or ""), review_time=ts(r.reviewed_at), resolution=r.resolution or "",
        create_time=ts(r.created_at))


def activity_pb(a: store.Activity) -> pb.ActivityEvent:
    out = pb.ActivityEvent(id=str(a.id), kind=ACTIVITY_KIND_PB[a.kind],
                           category=ACTIVITY_CATEGORY_PB[CATEGORY_OF[a.kind]], subject_id=a.subject_id or "",
                           counterpart_user_id=str(a.counterpart_id or ""), summary=a.summary,
                           occur_time=ts(a.occurred_at))
    if a.amount_minor is not None and a.currency:
        out.amount.CopyFrom(cpb.Money(amount_minor=a.amount_minor, currency_code=a.currency))
    return out


def my_profile_pb(v: MyProfileView) -> pb.MyProfile:
    out = pb.MyProfile(
        photo=photo_pb(v.photo), phone_verified=v.phone_verified, phone_verify_time=ts(v.phone_verified_at),
        identity_verification_status=VERIFICATION_STATUS_PB.get(v.identity_status, 0),
        preferences=preferences_pb(v.preferences, v.preferences_updated_at), statistics=stats_pb(v.statistics),
        addresses=[address_pb(a) for a in v.addresses], public_profile=public_pb(v.public))
    if v.account.raw is not None:
        out.account.CopyFrom(v.account.raw)
    return out


async def _parts(requests, metadata_of) -> AsyncIterator[tuple[str, object]]:
    async for m in requests:
        which = m.WhichOneof("part")
        if which == "metadata":
            yield "metadata", metadata_of(m.metadata)
        elif which == "chunk":
            yield "chunk", m.chunk
        else:
            yield "none", None


def _idempotency_key(method: str, request_id: str) -> str:
    if not request_id:
        return ""
    if len(request_id) > 100:
        raise InvalidArgument("the request has invalid fields", [("request_id", "must be at most 100 characters long")])
    return f"{method}:{caller().subject}:{request_id}"


class UserServicer(users_pb2_grpc.UserServiceServicer):
    def __init__(self, domain: UsersDomain):
        self.d = domain

    async def _idempotent(self, method: str, request_id: str, cls, run):
        key = _idempotency_key(method, request_id)
        if key:
            stored = await self.d.remembered(key)
            if stored is not None:
                return cls.FromString(stored)
        resp = await run()
        if key:
            await self.d.remember(key, resp.SerializeToString())
        return resp

    # -- profiles --------------------------------------------------------------------------------
    async def GetMyProfile(self, request, context):
        return my_profile_pb(await self.d.profiles.mine())

    async def UpdateMyProfile(self, request, context):
        prof = request.profile
        patch = apb.Account()
        patch.CopyFrom(prof.account)      # forwarded to auth's UpdateAccount as it is
        v = await self.d.profiles.update_mine(patch, msg_to_doc(prof.preferences), list(request.update_mask.paths))
        return my_profile_pb(v)

    async def DeleteMyAccount(self, request, context):
        return pb.DeleteMyAccountResponse(delete_time=ts(await self.d.profiles.delete_mine(request.password,
                                                                                            request.reason)))

    async def GetUserProfile(self, request, context):
        return public_pb(await self.d.profiles.get_public(request.user_id))

    async def SearchUsers(self, request, context):
        views, nxt = await self.d.profiles.search(request.query, USER_TYPE.get(request.user_type, "?")
                                                  if request.user_type else "", request.min_rating,
                                                  request.page_size, request.page_token)
        return pb.SearchUsersResponse(users=[public_pb(v) for v in views], next_page_token=nxt)

    async def UploadProfilePhoto(self, request_iterator, context):
        return photo_pb(await self.d.profiles.upload_photo(_parts(request_iterator, lambda m: m)))

    async def GetProfilePhoto(self, request, context):
        ctype, data = await self.d.profiles.photo(request.user_id, enum_in(request.size, PHOTO_SIZE))
        return httpbody_pb2.HttpBody(content_type=ctype, data=data)

    # -- phone -----------------------------------------------------------------------------------
    async def SendPhoneVerification(self, request, context):
        async def run():
            expires, masked = await self.d.phone.send(request.phone_number)
            return pb.SendPhoneVerificationResponse(expire_time=ts(expires), masked_phone_number=masked)
        return await self._idempotent("SendPhoneVerification", request.request_id,
                                      pb.SendPhoneVerificationResponse, run)

    async def ConfirmPhoneVerification(self, request, context):
        number, at, level = await self.d.phone.confirm(request.phone_number, request.code)
        return pb.ConfirmPhoneVerificationResponse(phone_number=number, verify_time=ts(at),
                                                   verification_level=LEVEL_PB.get(level, 0))

    # -- activity --------------------------------------------------------------------------------
    async def ListMyActivity(self, request, context):
        f = ActivityFilter(tuple(enum_in(c, ACTIVITY_CATEGORY) for c in request.categories),
                           time_in(request, "start_time"), time_in(request, "end_time"))
        rows, nxt = await self.d.activity.list_mine(f, request.page_size, request.page_token)
        return pb.ListMyActivityResponse(events=[activity_pb(a) for a in rows], next_page_token=nxt)

    # -- addresses -------------------------------------------------------------------------------
    async def CreateAddress(self, request, context):
        async def run():
            return address_pb(await self.d.addresses.create(address_in(request.address)))
        return await self._idempotent("CreateAddress", request.request_id, pb.Address, run)

    async def ListAddresses(self, request, context):
        rows, nxt = await self.d.addresses.list(request.page_size, request.page_token)
        return pb.ListAddressesResponse(addresses=[address_pb(a) for a in rows], next_page_token=nxt)

    async def GetAddress(self, request, context):
        return address_pb(await self.d.addresses.get(request.address_id))

    async def UpdateAddress(self, request, context):
        return address_pb(await self.d.addresses.update(request.address.id, address_in(request.address),
                                                        list(request.update_mask.paths)))

    async def DeleteAddress(self, request, context):
        return pb.DeleteAddressResponse(new_default_address_id=await self.d.addresses.delete(request.address_id))

    # -- preferences -----------------------------------------------------------------------------
    async def GetPreferences(self, request, context):
        return preferences_pb(*await self.d.preferences.get())

    async def UpdatePreferences(self, request, context):
        doc, updated = await self.d.preferences.update(msg_to_doc(request.preferences), list(request.update_mask.paths))
        return preferences_pb(doc, updated)

    # -- statistics ------------------------------------------------------------------------------
    async def GetUserStatistics(self, request, context):
        return stats_pb(await self.d.statistics.get(request.user_id, time_in(request, "start_time"),
                                                    time_in(request, "end_time")))

    # -- identity verification -------------------------------------------------------------------
    async def UploadVerificationDocument(self, request_iterator, context):
        def meta(m: pb.DocumentUploadMetadata) -> DocumentMeta:
            return DocumentMeta(enum_in(m.document_type, DOCUMENT_TYPE), enum_in(m.side, SIDE), m.filename,
                                m.content_type)
        return document_pb(await self.d.verification.upload(_parts(request_iterator, meta)))

    async def ListMyVerificationDocuments(self, request, context):
        rows, nxt = await self.d.verification.list_mine(request.page_size, request.page_token)
        return pb.ListVerificationDocumentsResponse(documents=[document_pb(x) for x in rows], next_page_token=nxt)

    async def ListVerificationDocuments(self, request, context):
        rows, nxt = await self.d.verification.list_queue(enum_in(request.status, VERIFICATION_STATUS),
                                                         request.page_size, request.page_token)
        return pb.ListVerificationDocumentsResponse(documents=[document_pb(x) for x in rows], next_page_token=nxt)

    async def DownloadVerificationDocument(self, request, context):
        ctype, data = await self.d.verification.download(request.document_id, enum_in(request.side, SIDE))
        return httpbody_pb2.HttpBody(content_type=ctype, data=data)

    async def ReviewVerificationDocument(self, request, context):
        return document_pb(await self.d.verification.review(request.document_id, enum_in(request.decision, DECISION),
                                                            request.reason))

    # -- reviews ---------------------------------------------------------------------------------
    async def CreateReview(self, request, context):
        async def run():
            return review_pb(await self.d.reviews.create(ReviewInput(
                delivery_id=request.delivery_id, overall_rating=request.overall_rating,
                communication_rating=request.communication_rating, punctuality_rating=request.punctuality_rating,
                carefulness_rating=request.carefulness_rating, friendliness_rating=request.friendliness_rating,
                comment=request.comment, is_anonymous=request.is_anonymous)))
        return await self._idempotent("CreateReview", request.request_id, pb.Review, run)

    async def ListUserReviews(self, request, context):
        rows, nxt, avg, n = await self.d.reviews.list(request.user_id, enum_in(request.role, REVIEW_ROLE),
                                                      request.page_size, request.page_token, request.trip_id)
        return pb.ListUserReviewsResponse(reviews=[review_pb(r) for r in rows], next_page_token=nxt,
                                          average_rating=avg, rating_count=n)

    async def ReportReview(self, request, context):
        async def run():
            return review_report_pb(await self.d.reviews.report(
                request.review_id, enum_in(request.reason, REVIEW_REPORT_REASON), request.description))
        return await self._idempotent("ReportReview", request.request_id, pb.ReviewReport, run)

    async def ListReviewReports(self, request, context):
        rows, nxt = await self.d.reviews.list_reports(enum_in(request.status, REPORT_STATUS), request.page_size,
                                                      request.page_token)
        return pb.ListReviewReportsResponse(reports=[review_report_pb(r) for r in rows], next_page_token=nxt)

    async def ModerateReview(self, request, context):
        return review_pb(await self.d.reviews.moderate(request.review_id, enum_in(request.action, MODERATION_ACTION),
                                                       request.notes))

    async def BatchGetRatings(self, request, context):
        rows = await self.d.reviews.ratings(list(request.user_ids))
        return pb.BatchGetRatingsResponse(ratings=[pb.UserRating(user_id=u, average_rating=a, rating_count=n)
                                                   for u, a, n in rows])

    # -- safety ----------------------------------------------------------------------------------
    async def _with_profiles(self, ids):
        return await self.d.profiles.public_views(caller(), ids, hide_blockers=False)

    async def BlockUser(self, request, context):
        row = await self.d.safety.block(request.user_id, enum_in(request.reason, BLOCK_REASON), request.comment)
        views = await self._with_profiles([row.blocked_id])
        return pb.Block(blocked_user_id=str(row.blocked_id), reason=BLOCK_REASON_PB[row.reason],
                        comment=row.comment or "", create_time=ts(row.created_at),
                        blocked_user=public_pb(views.get(row.blocked_id)))

    async def UnblockUser(self, request, context):
        await self.d.safety.unblock(request.user_id)
        return pb.UnblockUserResponse()

    async def ListBlockedUsers(self, request, context):
        rows, nxt = await self.d.safety.list_blocks(request.page_size, request.page_token)
        views = await self._with_profiles([r.blocked_id for r in rows])
        return pb.ListBlockedUsersResponse(next_page_token=nxt, blocks=[pb.Block(
            blocked_user_id=str(r.blocked_id), reason=BLOCK_REASON_PB[r.reason], comment=r.comment or "",
            create_time=ts(r.created_at), blocked_user=public_pb(views.get(r.blocked_id))) for r in rows])

    async def GetBlockRelations(self, request, context):
        blocked, blockers = await self.d.safety.relations(request.user_id, list(request.other_user_ids))
        return pb.BlockRelations(user_id=request.user_id, blocked_user_ids=blocked, blocked_by_user_ids=blockers)

    async def AddFavorite(self, request, context):
        row = await self.d.safety.add_favorite(request.traveler_id)
        views = await self._with_profiles([row.traveler_id])
        return pb.Favorite(traveler_id=str(row.traveler_id), add_time=ts(row.added_at),
                           traveler=public_pb(views.get(row.traveler_id)))

    async def ListFavorites(self, request, context):
        rows, nxt = await self.d.safety.list_favorites(request.page_size, request.page_token)
        views = await self._with_profiles([r.traveler_id for r in rows])
        return pb.ListFavoritesResponse(next_page_token=nxt, favorites=[pb.Favorite(
            traveler_id=str(r.traveler_id), add_time=ts(r.added_at), traveler=public_pb(views.get(r.traveler_id)))
            for r in rows])

    async def RemoveFavorite(self, request, context):
        await self.d.safety.remove_favorite(request.traveler_id)
        return pb.RemoveFavoriteResponse()

    async def ReportUser(self, request, context):
        async def run():
            return user_report_pb(await self.d.safety.report(
                request.reported_user_id, enum_in(request.category, REPORT_CATEGORY), request.description))
        return await self._idempotent("ReportUser", request.request_id, pb.UserReport, run)

    async def ListUserReports(self, request, context):
        rows, nxt = await self.d.safety.list_reports(enum_in(request.status, REPORT_STATUS), request.page_size,
                                                     request.page_token)
        return pb.ListUserReportsResponse(reports=[user_report_pb(r) for r in rows], next_page_token=nxt)

    async def ResolveUserReport(self, request, context):
        return user_report_pb(await self.d.safety.resolve(request.report_id, enum_in(request.status, REPORT_STATUS),
                                                          request.resolution))

    # -- internal: events ------------------------------------------------------------------------
    async def HandleUserRegistered(self, request, context):
        dup = await self.d.events.user_registered(
            request.event_id, request.user_id, request.first_name, request.last_name,
            USER_TYPE.get(request.user_type, "?") if request.user_type else "", time_in(request, "register_time"))
        return pb.HandleEventResponse(duplicate=dup)

    async def HandleUserDeleted(self, request, context):
        return pb.HandleEventResponse(duplicate=await self.d.events.user_deleted(request.event_id, request.user_id))

    async def HandleDeliveryEvent(self, request, context):
        price = request.price if request.HasField("price") else None
        dup = await self.d.events.delivery_event(DeliveryEvent(
            event_id=request.event_id, type=enum_in(request.type, DELIVERY_EVENT), delivery_id=request.delivery_id,
            customer_id=request.customer_id, traveler_id=request.traveler_id, trip_id=request.trip_id,
            delivery_request_id=request.delivery_request_id, delivery_number=request.delivery_number,
            price_minor=price.amount_minor if price else None, currency=price.currency_code if price else "",
            occurred_at=time_in(request, "occur_time"), cancelled_by=request.cancelled_by, reason=request.reason,
            traveler_response_seconds=request.traveler_response_seconds))
        return pb.HandleEventResponse(duplicate=dup)

    async def HandleTripEvent(self, request, context):
        dup = await self.d.events.trip_event(TripEvent(
            event_id=request.event_id, type=enum_in(request.type, TRIP_EVENT), trip_id=request.trip_id,
            traveler_id=request.traveler_id, occurred_at=time_in(request, "occur_time"), reason=request.reason))
        return pb.HandleEventResponse(duplicate=dup)
