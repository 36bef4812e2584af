"""Delivery requests: create, read (with who-sees-what), list, update, cancel, search, duplicate,
analytics, reports, statistics, popular routes and recommendations.

Who sees a request (`view_of`):
* its owner (the customer): everything ("owner");
* the traveler of its live delivery, and service identities: everything ("full");
* a traveler who made an offer on it, in any status, and any user with the traveler role
  while it is open and not expired: the public view ("public"): no contact names or phones,
  no instructions, no preferred / blacklisted travelers, no auto-accept price, no
  notification preferences;
* a blacklisted traveler, a user blocked by or blocking the owner, anyone else: NOT_FOUND.
Views by users other than the owner are counted per viewer (delivery_request_views).
"""
from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from services.common import outbox
from services.common.errors import AlreadyExists, FailedPrecondition, InvalidArgument
from services.common.identity import Principal, caller
from services.common.telemetry import request_id_var
from services.common.validation import Violations
from services.deliveries import store
from services.deliveries.domain import paging, pricing, rules
from services.deliveries.domain.common import (TOPIC_REQUEST_CANCELLED, TOPIC_REQUEST_CREATED,
                                               TOPIC_REQUEST_REPORTED, Deps, customer, maybe_uuid, not_found,
                                               parse_uuid, traveler, user)
from services.deliveries.domain.values import ItemInput, Money, Point, RequestInput, SearchFilter, StopInput
from services.deliveries.store import DeliveryRequestRow, DeliveryRow, OfferRow

R = DeliveryRequestRow
SIMILAR_RADIUS_METERS = 25_000
MARKET_DAYS = 90
GRID_DEGREES = 0.5


@dataclass
class RequestView:
    row: DeliveryRequestRow
    view: str                 # "owner" | "full" | "public"
    pending_offers: int = 0


@dataclass
class Analytics:
    request: DeliveryRequestRow
    views: int
    unique_viewers: int
    offers_by_status: dict[str, int]
    min_offer: int | None
    avg_offer: int | None
    max_offer: int | None
    accepted_price: int | None
    first_offer_at: dt.datetime | None
    reports: int

    @property
    def total_offers(self) -> int:
        return sum(self.offers_by_status.values())

    @property
    def avg_vs_estimate_bp(self) -> int:
        if self.avg_offer is None or not self.request.estimated_price_minor:
            return 0
        return round((self.avg_offer - self.request.estimated_price_minor) * 10000
                     / self.request.estimated_price_minor)


@dataclass
class Statistics:
    total: int
    by_status: dict[str, int]
    by_category: dict[str, int]
    by_month: list[tuple[str, int]]
    offers_received: int
    deliveries_completed: int
    spent: list[tuple[str, int]]
    total_weight_grams: int


@dataclass
class PopularRoute:
    origin: Point
    destination: Point
    origin_address: str
    destination_address: str
    requests: int
    top_categories: list[str]
    currency: str
    avg_price: int
    min_price: int
    max_price: int


@dataclass
class PricingSuggestion:
    currency: str
    estimate: int
    samples: int
    market_min: int | None
    market_avg: int | None
    market_max: int | None

    @property
    def suggested_max(self) -> int:
        best = max(self.estimate, self.market_avg or 0)
        return pricing.ceil_div(best, 100) * 100


def point_of(geog) -> Point:
    lat, lng = store.point_latlng(geog)
    return Point(lat, lng)


def row_to_input(row: DeliveryRequestRow) -> RequestInput:
    dims = row.dimensions
    cur = row.currency
    return RequestInput(
        title=row.title, description=row.description or "", urgency=row.urgency,
        item=ItemInput(name=row.item_name, description=row.item_description or "", category=row.category,
                       quantity=row.quantity, weight_grams=row.weight_grams,
                       dimensions=(dims["length_cm"], dims["width_cm"], dims["height_cm"]) if dims else None,
                       value=Money(row.value_minor, cur) if row.value_minor is not None else None,
                       fragile=row.is_fragile, perishable=row.is_perishable, hazardous=row.is_hazardous,
                       requires_signature=row.requires_signature, image_urls=list(row.item_images or [])),
        pickup=StopInput(row.pickup_address, point_of(row.pickup_coordinates), row.pickup_contact_name or "",
                         row.pickup_contact_phone or "", row.pickup_instructions or "", row.pickup_time_start,
                         row.pickup_time_end),
        delivery=StopInput(row.delivery_address, point_of(row.delivery_coordinates), row.delivery_contact_name or "",
                           row.delivery_contact_phone or "", row.delivery_instructions or "", row.delivery_time_start,
                           row.delivery_time_end),
        flexible_pickup_timing=row.flexible_pickup_timing, preferred_pickup_days=list(row.preferred_pickup_days or []),
        requires_recipient_presence=row.requires_recipient_presence, currency_code=cur,
        max_price=Money(row.max_price_minor, cur) if row.max_price_minor is not None else None,
        auto_accept_price=Money(row.auto_accept_price_minor, cur) if row.auto_accept_price_minor is not None else None,
        preferred_traveler_ids=[str(u) for u in row.preferred_travelers or []],
        blacklisted_traveler_ids=[str(u) for u in row.blacklisted_travelers or []],
        min_traveler_rating=float(row.min_traveler_rating or 0), verification_required=row.verification_required,
        insurance_required=row.insurance_required, background_check_required=row.background_check_required,
        notification_preferences=dict(row.notification_preferences or {}),
        special_instructions=row.special_instructions or "", tags=list(row.tags or []), expire_time=row.expires_at)


def _uuids(ids: list[str]) -> list[uuid.UUID]:
    return sorted({uuid.UUID(i) for i in ids})


class Requests:
    def __init__(self, deps: Deps):
        self.d = deps

    # -- writing a request ---------------------------------------------------------------------
    async def _apply(self, s, row: DeliveryRequestRow, inp: RequestInput, now: dt.datetime,
                     expiry_given: bool) -> None:
        item, pu, de = inp.item, inp.pickup, inp.delivery
        currency = inp.currency_code or rules.DEFAULT_CURRENCY
        distance = await store.distance_meters(s, (pu.location.lat, pu.location.lng),
                                               (de.location.lat, de.location.lng))
        row.title, row.description = inp.title.strip(), inp.description or None
        row.category, row.urgency = item.category, inp.urgency
        row.item_name, row.item_description = item.name.strip(), item.description or None
        row.quantity, row.weight_grams = max(item.quantity, 1), item.weight_grams
        row.dimensions = (dict(zip(("length_cm", "width_cm", "height_cm"), item.dimensions))
                          if item.dimensions else None)
        row.volume_cm3 = rules.volume_cm3(item)
        row.value_minor = item.value.amount_minor if item.value else None
        row.is_fragile, row.is_perishable, row.is_hazardous = item.fragile, item.perishable, item.hazardous
        row.requires_signature, row.item_images = item.requires_signature, list(item.image_urls)
        row.pickup_address, row.pickup_coordinates = pu.address.strip(), store.ewkt_point(pu.location.lat,
                                                                                          pu.location.lng)
        row.pickup_contact_name, row.pickup_contact_phone = pu.contact_name or None, pu.contact_phone or None
        row.pickup_instructions, row.pickup_time_start, row.pickup_time_end = (pu.instructions or None,
                                                                               pu.window_start, pu.window_end)
        row.delivery_address, row.delivery_coordinates = de.address.strip(), store.ewkt_point(de.location.lat,
                                                                                              de.location.lng)
        row.delivery_contact_name, row.delivery_contact_phone = de.contact_name or None, de.contact_phone or None
        row.delivery_instructions, row.delivery_time_start, row.delivery_time_end = (de.instructions or None,
                                                                                     de.window_start, de.window_end)
        row.flexible_pickup_timing = inp.flexible_pickup_timing
        row.preferred_pickup_days = [d.lower() for d in inp.preferred_pickup_days]
        row.requires_recipient_presence = inp.requires_recipient_presence
        row.currency = currency
        row.max_price_minor = inp.max_price.amount_minor if inp.max_price else None
        row.auto_accept_price_minor = inp.auto_accept_price.amount_minor if inp.auto_accept_price else None
        row.distance_meters = distance
        row.estimated_price_minor = pricing.estimate(self.d.settings.pricing, weight_grams=item.weight_grams,
                                                     distance_meters=distance, urgency=inp.urgency,
                                                     fragile=item.fragile)
        row.preferred_travelers = _uuids(inp.preferred_traveler_ids)
        row.blacklisted_travelers = _uuids(inp.blacklisted_traveler_ids)
        row.min_traveler_rating = round(inp.min_traveler_rating, 2)
        row.verification_required = inp.verification_required
        row.insurance_required = inp.insurance_required
        row.background_check_required = inp.background_check_required
        row.notification_preferences = dict(inp.notification_preferences)
        row.special_instructions = inp.special_instructions or None
        row.tags = [t.strip() for t in inp.tags]
        if expiry_given and inp.expire_time is not None:
            row.expires_at = inp.expire_time
        elif row.expires_at is None:
            default = now + dt.timedelta(hours=self.d.settings.default_expiry_hours)
            row.expires_at = min(pu.window_end, default) if pu.window_end else default

    async def create(self, inp: RequestInput, prefix: str = "delivery_request.") -> RequestView:
        p = customer()
        async with self.d.sessions.begin() as s:
            now = await store.db_now(s)
            rules.check_request(inp, now, prefix)
            row = DeliveryRequestRow(customer_id=uuid.UUID(p.user_id), status="open")
            row.expires_at = None
            await self._apply(s, row, inp, now, expiry_given=True)
            row.created_at = row.updated_at = now
            s.add(row)
            await s.flush()
            await outbox.publish(s, TOPIC_REQUEST_CREATED, {
                "delivery_request_id": str(row.id), "customer_id": p.user_id, "category": row.category,
                "estimated_price_minor": row.estimated_price_minor, "currency": row.currency},
                aggregate_id=str(row.id), idempotency_key=f"request-created:{row.id}")
        return RequestView(row, "owner", 0)

    async def update(self, inp: RequestInput, request_id: str, paths: list[str]) -> RequestView:
        p = user()
        rid = parse_uuid(request_id, "delivery_request.id")
        if not paths:
            raise InvalidArgument("the request has invalid fields", [("update_mask", "is required")])
        async with self.d.sessions.begin() as s:
            row = await store.request_by_id(s, rid, for_update=True)
            if row is None or str(row.customer_id) != p.user_id:
                raise not_found()
            if row.status != "open":
                raise FailedPrecondition(f"only an open request can be changed (this one is {row.status})",
                                         reason="REQUEST_NOT_OPEN")
            now = await store.db_now(s)
            merged = rules.merge(row_to_input(row), inp, paths, "delivery_request.")
            merged.currency_code = row.currency
            if "expire_time" not in paths:
                merged.expire_time = None     # keep the stored expiry; not re-validated
            rules.check_request(merged, now)
            await self._apply(s, row, merged, now, expiry_given="expire_time" in paths)
            pending = (await store.pending_offer_counts(s, [row.id])).get(row.id, 0)
        return RequestView(row, "owner", pending)

    async def duplicate(self, request_id: str, overrides: RequestInput, paths: list[str]) -> RequestView:
        p = customer()
        rid = parse_uuid(request_id, "delivery_request_id")
        async with self.d.sessions() as s:
            row = await store.request_by_id(s, rid)
        if row is None or str(row.customer_id) != p.user_id:
            raise not_found()
        base = row_to_input(row)
        base.expire_time = None      # a fresh expiry unless one is given
        merged = rules.merge(base, overrides, paths, "overrides.") if paths else base
        merged.currency_code = row.currency
        return await self.create(merged, prefix="overrides.")

    async def cancel(self, request_id: str, reason: str) -> RequestView:
        p = user()
        rid = parse_uuid(request_id, "delivery_request_id")
        v = Violations()
        if v.required("reason", reason.strip()):
            v.text("reason", reason, 1, 1000)
        v.raise_if_any()
        async with self.d.sessions.begin() as s:
            row = await store.request_by_id(s, rid, for_update=True)
            if row is None or str(row.customer_id) != p.user_id:
                raise not_found()
            if row.status == "matched":
                raise FailedPrecondition("an offer was accepted: cancel the delivery instead", reason="REQUEST_MATCHED")
            if row.status != "open":
                raise FailedPrecondition(f"this request is already {row.status}", reason="REQUEST_NOT_OPEN")
            now = await store.db_now(s)
            row.status, row.cancelled_at, row.cancellation_reason = "cancelled", now, reason.strip()
            await s.execute(sa.update(OfferRow).where(OfferRow.delivery_request_id == rid,
                                                      OfferRow.status == "pending")
                            .values(status="declined", declined_at=now, declined_reason="request cancelled",
                                    updated_at=now))
            await outbox.publish(s, TOPIC_REQUEST_CANCELLED, {"delivery_request_id": str(rid),
                                                              "customer_id": p.user_id, "reason": reason.strip()},
                                 aggregate_id=str(rid), idempotency_key=f"request-cancelled:{rid}")
        return RequestView(row, "owner", 0)

    # -- reading ---------------------------------------------------------------------------------
    async def view_of(self, s, row: DeliveryRequestRow, p: Principal, now: dt.datetime) -> str | None:
        if p.is_service:
            return "full"
        uid = p.user_id
        if str(row.customer_id) == uid:
            return "owner"
        me = maybe_uuid(uid)
        if me is None:
            return None
        if row.delivery_id is not None:
            live = await store.live_delivery_for_request(s, row.id)
            if live is not None and live.traveler_id == me:
                return "full"
        if me in (row.blacklisted_travelers or []) or uid in await self.d.blocks.blocked(str(row.customer_id)):
            return None
        has_offer = (await s.execute(sa.select(OfferRow.id).where(OfferRow.delivery_request_id == row.id,
                                                                  OfferRow.traveler_id == me).limit(1))).first()
        if has_offer:
            return "public"
        if p.has_role("traveler") and row.status == "open" and row.expires_at > now:
            return "public"
        return None

    async def get(self, request_id: str) -> RequestView:
        p = caller()
        rid = parse_uuid(request_id, "delivery_request_id")
        async with self.d.sessions.begin() as s:
            row = await store.request_by_id(s, rid)
            if row is None:
                raise not_found()
            now = await store.db_now(s)
            view = await self.view_of(s, row, p, now)
            if view is None:
                raise not_found()
            if view != "owner" and not p.is_service:
                await store.count_view(s, rid, uuid.UUID(p.user_id), request_id_var.get() or uuid.uuid4().hex)
            pending = (await store.pending_offer_counts(s, [rid])).get(rid, 0)
        return RequestView(row, view, pending)

    async def list_mine(self, statuses: list[str], page_size: int, page_token: str):
        p = user()
        v = Violations()
        size = paging.page_size(v, page_size)
        for i, st in enumerate(statuses):
            if st not in store.REQUEST_STATUSES:
                v.add(f"statuses[{i}]", "must be a known status (UNSPECIFIED is not allowed)")
        after = paging.keyset_after(v, page_token, "requests")
        v.raise_if_any()
        q = sa.select(R).where(R.customer_id == uuid.UUID(p.user_id))
        if statuses:
            q = q.where(R.status.in_(statuses))
        if after:
            q = q.where(sa.tuple_(R.created_at, R.id) < sa.tuple_(sa.literal(after[0]), sa.literal(uuid.UUID(after[1]))))
        q = q.order_by(R.created_at.desc(), R.id.desc()).limit(size + 1)
        async with self.d.sessions() as s:
            rows = list((await s.execute(q)).scalars())
            counts = await store.pending_offer_counts(s, [r.id for r in rows[:size]])
        nxt = ""
        if len(rows) > size:
            rows = rows[:size]
            nxt = paging.keyset_token("requests", rows[-1].created_at, rows[-1].id)
        return [RequestView(r, "owner", counts.get(r.id, 0)) for r in rows], nxt

    async def search(self, f: SearchFilter, page_size: int, page_token: str):
        p = traveler()
        v = Violations()
        size = paging.page_size(v, page_size)
        radius = f.radius_meters or 25_000
        if not 0 <= f.radius_meters <= 500_000:
            v.add("radius_meters", "must be between 0 and 500000")
        for name, pt in (("origin", f.origin), ("destination", f.destination)):
            if pt is not None:
                rules.check_point(v, name, pt)
        if f.min_price_minor < 0:
            v.add("min_price_minor", "must not be negative")
        if f.max_weight_grams < 0:
            v.add("max_weight_grams", "must not be negative")
        if f.category == "?":
            v.add("category", "unknown value")
        if f.urgency == "?":
            v.add("urgency", "unknown value")
        fingerprint = repr((f.origin, f.destination, radius, f.min_price_minor, f.max_weight_grams, f.category,
                            f.urgency))
        data = paging.decode(v, page_token, "search")
        offset = 0
        if data is not None:
            if data.get("f") != fingerprint or not isinstance(data.get("o"), int) or data["o"] < 0:
                v.add("page_token", "does not belong to this search")
            else:
                offset = data["o"]
        v.raise_if_any()
        me = uuid.UUID(p.user_id)
        blocked = [uuid.UUID(u) for u in await self.d.blocks.blocked(p.user_id) if maybe_uuid(u)]
        q = sa.select(R).where(R.status == "open", R.expires_at > sa.func.now(),
                               sa.not_(R.blacklisted_travelers.any(me)))
        if blocked:
            q = q.where(R.customer_id.not_in(blocked))
        order = [R.created_at.desc(), R.id.desc()]
        if f.origin is not None:
            og = sa.func.ST_GeogFromText(store.ewkt_point(f.origin.lat, f.origin.lng))
            q = q.where(sa.func.ST_DWithin(R.pickup_coordinates, og, radius))
            order = [sa.func.ST_Distance(R.pickup_coordinates, og), R.id]
        if f.destination is not None:
            dg = sa.func.ST_GeogFromText(store.ewkt_point(f.destination.lat, f.destination.lng))
            q = q.where(sa.func.ST_DWithin(R.delivery_coordinates, dg, radius))
            if f.origin is None:
                order = [sa.func.ST_Distance(R.delivery_coordinates, dg), R.id]
        if f.min_price_minor:
            q = q.where(sa.func.coalesce(R.max_price_minor, R.estimated_price_minor) >= f.min_price_minor)
        if f.max_weight_grams:
            q = q.where(R.weight_grams <= f.max_weight_grams)
        if f.category:
            q = q.where(R.category == f.category)
        if f.urgency:
            q = q.where(R.urgency == f.urgency)
        q = q.order_by(*order).offset(offset).limit(size + 1)
        async with self.d.sessions() as s:
            rows = list((await s.execute(q)).scalars())
            counts = await store.pending_offer_counts(s, [r.id for r in rows[:size]])
        nxt = ""
        if len(rows) > size:
            rows = rows[:size]
            nxt = paging.encode({"k": "search", "f": fingerprint, "o": offset + size})
        return [RequestView(r, "owner" if r.customer_id == me else "public", counts.get(r.id, 0))
                for r in rows], nxt

    async def _owned(self, s, request_id: str, p: Principal) -> DeliveryRequestRow:
        rid = parse_uuid(request_id, "delivery_request_id")
        row = await store.request_by_id(s, rid)
        if row is None or str(row.customer_id) != p.user_id:
            raise not_found()
        return row

    async def analytics(self, request_id: str) -> Analytics:
        p = user()
        async with self.d.sessions() as s:
            row = await self._owned(s, request_id, p)
            views, unique = (await s.execute(
                sa.select(sa.func.coalesce(sa.func.sum(store.RequestView.views), 0), sa.func.count())
                .where(store.RequestView.delivery_request_id == row.id))).one()
            by_status = dict((await s.execute(
                sa.select(OfferRow.status, sa.func.count()).where(OfferRow.delivery_request_id == row.id)
                .group_by(OfferRow.status))).all())
            lo, avg, hi, first = (await s.execute(
                sa.select(sa.func.min(OfferRow.price_minor), sa.func.avg(OfferRow.price_minor),
                          sa.func.max(OfferRow.price_minor), sa.func.min(OfferRow.created_at))
                .where(OfferRow.delivery_request_id == row.id, OfferRow.status != "withdrawn"))).one()
            accepted = (await s.execute(
                sa.select(DeliveryRow.final_price_minor).where(DeliveryRow.delivery_request_id == row.id)
                .order_by(DeliveryRow.created_at.desc()).limit(1))).scalar_one_or_none()
            reports = (await s.execute(sa.select(sa.func.count()).select_from(store.ReportRow)
                                       .where(store.ReportRow.delivery_request_id == row.id))).scalar_one()
        return Analytics(row, int(views), int(unique), by_status, lo, round(avg) if avg is not None else None, hi,
                         accepted, first, reports)

    async def report(self, request_id: str, reason: str, details: str) -> store.ReportRow:
        p = user()
        rid = parse_uuid(request_id, "delivery_request_id")
        v = Violations()
        if reason == "":
            v.add("reason", "must be set (UNSPECIFIED is not allowed)")
        elif reason not in store.REPORT_REASONS:
            v.add("reason", "unknown value")
        if details:
            if len(details) > 2000:
                v.add("details", "must be at most 2000 characters long")
        v.raise_if_any()
        async with self.d.sessions.begin() as s:
            row = await store.request_by_id(s, rid)
            if row is None:
                raise not_found()
            now = await store.db_now(s)
            view = await self.view_of(s, row, p, now)
            if view is None:
                raise not_found()
            if view == "owner":
                raise FailedPrecondition("you cannot report your own request", reason="OWN_REQUEST")
            rep = store.ReportRow(delivery_request_id=rid, reporter_id=uuid.UUID(p.user_id), reason=reason,
                                  details=details or None, created_at=now)
            s.add(rep)
            try:
                await s.flush()
            except IntegrityError:
                raise AlreadyExists("you already reported this request", reason="ALREADY_REPORTED") from None
            await outbox.publish(s, TOPIC_REQUEST_REPORTED, {
                "report_id": str(rep.id), "delivery_request_id": str(rid), "reporter_id": p.user_id,
                "reason": reason, "details": details}, aggregate_id=str(rid), idempotency_key=f"report:{rep.id}")
        return rep

    async def statistics(self) -> Statistics:
        p = user()
        me = uuid.UUID(p.user_id)
        async with self.d.sessions() as s:
            by_status = dict((await s.execute(sa.select(R.status, sa.func.count()).where(R.customer_id == me)
                                              .group_by(R.status))).all())
            by_category = dict((await s.execute(sa.select(R.category, sa.func.count()).where(R.customer_id == me)
                                                .group_by(R.category))).all())
            month = sa.func.to_char(sa.func.timezone("UTC", R.created_at), "YYYY-MM")
            by_month = [(m, n) for m, n in (await s.execute(
                sa.select(month, sa.func.count()).where(R.customer_id == me).group_by(month)
                .order_by(month.desc()).limit(12))).all()][::-1]
            offers = (await s.execute(sa.select(sa.func.count()).select_from(OfferRow).join(R, R.id == OfferRow.delivery_request_id)
                                      .where(R.customer_id == me))).scalar_one()
            spent = [(c, int(t)) for c, t in (await s.execute(
                sa.select(DeliveryRow.currency, sa.func.sum(DeliveryRow.final_price_minor))
                .where(DeliveryRow.customer_id == me, DeliveryRow.status == "completed")
                .group_by(DeliveryRow.currency).order_by(DeliveryRow.currency))).all()]
            completed = (await s.execute(sa.select(sa.func.count()).select_from(DeliveryRow)
                                         .where(DeliveryRow.customer_id == me,
                                                DeliveryRow.status == "completed"))).scalar_one()
            weight = (await s.execute(sa.select(sa.func.coalesce(sa.func.sum(R.weight_grams), 0))
                                      .where(R.customer_id == me))).scalar_one()
        return Statistics(sum(by_status.values()), by_status, by_category, by_month, offers, completed, spent,
                          int(weight))

    async def popular_routes(self, days: int, limit: int) -> list[PopularRoute]:
        user()
        v = Violations()
        if not 0 <= days <= 365:
            v.add("days", "must be between 0 and 365")
        if not 0 <= limit <= 50:
            v.add("limit", "must be between 0 and 50")
        v.raise_if_any()
        q = sa.text("""
            WITH r AS (
                SELECT ST_SnapToGrid(pickup_coordinates::geometry, :g) AS o,
                       ST_SnapToGrid(delivery_coordinates::geometry, :g) AS d,
                       pickup_address, delivery_address, category::text AS category, currency,
                       estimated_price_minor
                FROM delivery_requests
                WHERE created_at > now() - make_interval(days => :days)
            )
            SELECT ST_Y(o) AS olat, ST_X(o) AS olng, ST_Y(d) AS dlat, ST_X(d) AS dlng,
                   mode() WITHIN GROUP (ORDER BY pickup_address) AS oaddr,
                   mode() WITHIN GROUP (ORDER BY delivery_address) AS daddr,
                   count(*) AS n,
                   (SELECT array_agg(c ORDER BY k DESC, c) FROM (
                        SELECT r2.category AS c, count(*) AS k FROM r r2
                        WHERE r2.o = r.o AND r2.d = r.d GROUP BY r2.category ORDER BY k DESC, c LIMIT 3) t) AS cats,
                   mode() WITHIN GROUP (ORDER BY currency) AS cur,
                   round(avg(estimated_price_minor))::bigint AS avgp,
                   min(estimated_price_minor) AS minp, max(estimated_price_minor) AS maxp
            FROM r GROUP BY o, d ORDER BY n DESC, oaddr, daddr LIMIT :limit
        """)
        async with self.d.sessions() as s:
            rows = (await s.execute(q, {"g": GRID_DEGREES, "days": days or 30, "limit": limit or 10})).all()
        return [PopularRoute(Point(r.olat, r.olng), Point(r.dlat, r.dlng), r.oaddr, r.daddr, r.n, list(r.cats or []),
                             r.cur, r.avgp, r.minp, r.maxp) for r in rows]

    async def recommendations(self, request_id: str, pickup: Point | None, dropoff: Point | None,
                              weight_grams: int, urgency: str, fragile: bool, currency: str, limit: int):
        p = user()
        v = Violations()
        if not 0 <= limit <= 50:
            v.add("limit", "must be between 0 and 50")
        exclude = None
        if request_id:
            v.raise_if_any()
            async with self.d.sessions() as s:
                row = await self._owned(s, request_id, p)
            pickup, dropoff = point_of(row.pickup_coordinates), point_of(row.delivery_coordinates)
            weight_grams, urgency, fragile, currency = row.weight_grams, row.urgency, row.is_fragile, row.currency
            distance, exclude = row.distance_meters, row.id
        else:
            rules.check_point(v, "pickup", pickup)
            rules.check_point(v, "dropoff", dropoff)
            if not 1 <= weight_grams <= rules.MAX_WEIGHT_GRAMS:
                v.add("weight_grams", f"must be between 1 and {rules.MAX_WEIGHT_GRAMS}")
            if urgency == "?":
                v.add("urgency", "unknown value")
            currency = currency or rules.DEFAULT_CURRENCY
            v.currency("currency_code", currency)
            v.raise_if_any()
            urgency = urgency or "standard"
            async with self.d.sessions() as s:
                distance = await store.distance_meters(s, (pickup.lat, pickup.lng), (dropoff.lat, dropoff.lng))
        estimate = pricing.estimate(self.d.settings.pricing, weight_grams=weight_grams, distance_meters=distance,
                                    urgency=urgency, fragile=fragile)
        pg = sa.func.ST_GeogFromText(store.ewkt_point(pickup.lat, pickup.lng))
        dg = sa.func.ST_GeogFromText(store.ewkt_point(dropoff.lat, dropoff.lng))
        me = uuid.UUID(p.user_id)
        q = (sa.select(R).where(R.status == "open", R.expires_at > sa.func.now(), R.customer_id != me,
                                sa.not_(R.blacklisted_travelers.any(me)),
                                sa.func.ST_DWithin(R.pickup_coordinates, pg, SIMILAR_RADIUS_METERS),
                                sa.func.ST_DWithin(R.delivery_coordinates, dg, SIMILAR_RADIUS_METERS))
             .order_by(sa.func.ST_Distance(R.pickup_coordinates, pg) + sa.func.ST_Distance(R.delivery_coordinates, dg),
                       R.id)
             .limit(limit or 10))
        if exclude is not None:
            q = q.where(R.id != exclude)
        market = (sa.select(sa.func.count(), sa.func.min(DeliveryRow.final_price_minor),
                            sa.func.avg(DeliveryRow.final_price_minor), sa.func.max(DeliveryRow.final_price_minor))
                  .select_from(DeliveryRow).join(R, R.id == DeliveryRow.delivery_request_id)
                  .where(DeliveryRow.status != "cancelled", DeliveryRow.currency == currency,
                         DeliveryRow.created_at > sa.func.now() - dt.timedelta(days=MARKET_DAYS),
                         sa.func.ST_DWithin(R.pickup_coordinates, pg, SIMILAR_RADIUS_METERS),
                         sa.func.ST_DWithin(R.delivery_coordinates, dg, SIMILAR_RADIUS_METERS)))
        async with self.d.sessions() as s:
            rows = list((await s.execute(q)).scalars())
            counts = await store.pending_offer_counts(s, [r.id for r in rows])
            n, lo, avg, hi = (await s.execute(market)).one()
        sugg = PricingSuggestion(currency, estimate, int(n), lo, round(avg) if avg is not None else None, hi)
        return [RequestView(r, "public", counts.get(r.id, 0)) for r in rows], sugg

