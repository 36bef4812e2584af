"""Plain values the deliveries rules take and return (no protobuf here)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Point:
    lat: float
    lng: float


@dataclass(frozen=True)
class Money:
    amount_minor: int
    currency_code: str


@dataclass
class StopInput:
    address: str = ""
    location: Point | None = None
    contact_name: str = ""
    contact_phone: str = ""
    instructions: str = ""
    window_start: dt.datetime | None = None
    window_end: dt.datetime | None = None


@dataclass
class ItemInput:
    name: str = ""
    description: str = ""
    category: str = ""            # store.ITEM_CATEGORIES, "" when unspecified, "?" when unknown
    quantity: int = 0
    weight_grams: int = 0
    dimensions: tuple[int, int, int] | None = None    # length, width, height (cm) per item
    value: Money | None = None
    fragile: bool = False
    perishable: bool = False
    hazardous: bool = False
    requires_signature: bool = False
    image_urls: list[str] = field(default_factory=list)


@dataclass
class RequestInput:
    """A delivery request as the client describes it (create, update, duplicate)."""
    title: str = ""
    description: str = ""
    urgency: str = ""             # store.URGENCIES, "" when unspecified, "?" when unknown
    item: ItemInput | None = None
    pickup: StopInput | None = None
    delivery: StopInput | None = None
    flexible_pickup_timing: bool = False
    preferred_pickup_days: list[str] = field(default_factory=list)
    requires_recipient_presence: bool = False
    currency_code: str = ""
    max_price: Money | None = None
    auto_accept_price: Money | None = None
    preferred_traveler_ids: list[str] = field(default_factory=list)
    blacklisted_traveler_ids: list[str] = field(default_factory=list)
    min_traveler_rating: float = 0.0
    verification_required: bool = False
    insurance_required: bool = False
    background_check_required: bool = False
    notification_preferences: dict[str, bool] = field(default_factory=dict)
    special_instructions: str = ""
    tags: list[str] = field(default_factory=list)
    expire_time: dt.datetime | None = None


@dataclass
class OfferInput:
    trip_id: str = ""
    price: Money | None = None
    message: str = ""
    estimated_pickup_time: dt.datetime | None = None
    estimated_delivery_time: dt.datetime | None = None
    guarantees: list[str] = field(default_factory=list)
    special_services: list[str] = field(default_factory=list)
    valid_until: dt.datetime | None = None


@dataclass
class Proof:
    verification: dict[str, str] = field(default_factory=dict)
    signature_url: str = ""
    photo_url: str = ""
    notes: str = ""


@dataclass
class SearchFilter:
    origin: Point | None = None
    destination: Point | None = None
    radius_meters: int = 0
    min_price_minor: int = 0
    max_weight_grams: int = 0
    category: str = ""
    urgency: str = ""


# -- what the trips service tells us ---------------------------------------------------------

@dataclass(frozen=True)
class TripPricing:
    base_minor: int
    per_kg_minor: int
    per_km_minor: int
    express_bp: int        # 0 means x1.0
    fragile_bp: int
    currency: str


@dataclass(frozen=True)
class TripInfo:
    id: str
    traveler_id: str
    status: str                    # "draft" | "published" | "in_progress" | "completed" | "cancelled" | ...
    origin: Point
    destination: Point
    origin_address: str
    destination_address: str
    departure_time: dt.datetime | None
    arrival_time: dt.datetime | None
    available_weight_grams: int
    available_volume_cm3: int
    available_items: int
    pricing: TripPricing | None
    accepted_categories: tuple[str, ...] = ()
    refused_categories: tuple[str, ...] = ()
    max_item_weight_grams: int = 0
    public: bool = True


@dataclass(frozen=True)
class TripMatchInfo:
    trip: TripInfo
    pickup_detour_meters: int
    dropoff_detour_meters: int
    pickup_fraction: float
    dropoff_fraction: float


@dataclass(frozen=True)
class Reservation:
    trip_id: str
    delivery_id: str
    released: bool
    available_weight_grams: int
    available_volume_cm3: int
    available_items: int


@dataclass
class MatchQuery:
    pickup: Point
    dropoff: Point
    pickup_window_start: dt.datetime | None
    pickup_window_end: dt.datetime | None
    delivery_window_start: dt.datetime | None
    delivery_window_end: dt.datetime | None
    weight_grams: int
    volume_cm3: int
    items: int
    max_detour_meters: int
    exclude_traveler_ids: list[str]
    item_category: str
    page_size: int
