import datetime

from google.api import annotations_pb2 as _annotations_pb2
from google.api import field_behavior_pb2 as _field_behavior_pb2
from google.protobuf import field_mask_pb2 as _field_mask_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.type import latlng_pb2 as _latlng_pb2
from p2p.common.v1 import common_pb2 as _common_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ItemCategory(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ITEM_CATEGORY_UNSPECIFIED: _ClassVar[ItemCategory]
    ITEM_CATEGORY_DOCUMENTS: _ClassVar[ItemCategory]
    ITEM_CATEGORY_ELECTRONICS: _ClassVar[ItemCategory]
    ITEM_CATEGORY_CLOTHING: _ClassVar[ItemCategory]
    ITEM_CATEGORY_FOOD: _ClassVar[ItemCategory]
    ITEM_CATEGORY_BOOKS: _ClassVar[ItemCategory]
    ITEM_CATEGORY_COSMETICS: _ClassVar[ItemCategory]
    ITEM_CATEGORY_MEDICINE: _ClassVar[ItemCategory]
    ITEM_CATEGORY_JEWELRY: _ClassVar[ItemCategory]
    ITEM_CATEGORY_ARTWORK: _ClassVar[ItemCategory]
    ITEM_CATEGORY_SPORTS: _ClassVar[ItemCategory]
    ITEM_CATEGORY_TOYS: _ClassVar[ItemCategory]
    ITEM_CATEGORY_HOUSEHOLD: _ClassVar[ItemCategory]
    ITEM_CATEGORY_GIFTS: _ClassVar[ItemCategory]
    ITEM_CATEGORY_OTHER: _ClassVar[ItemCategory]
    ITEM_CATEGORY_WEAPONS: _ClassVar[ItemCategory]
    ITEM_CATEGORY_DRUGS: _ClassVar[ItemCategory]
    ITEM_CATEGORY_EXPLOSIVES: _ClassVar[ItemCategory]
    ITEM_CATEGORY_FLAMMABLES: _ClassVar[ItemCategory]
    ITEM_CATEGORY_LIVE_ANIMALS: _ClassVar[ItemCategory]
    ITEM_CATEGORY_CASH: _ClassVar[ItemCategory]
    ITEM_CATEGORY_COUNTERFEIT_GOODS: _ClassVar[ItemCategory]

class Urgency(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    URGENCY_UNSPECIFIED: _ClassVar[Urgency]
    URGENCY_STANDARD: _ClassVar[Urgency]
    URGENCY_EXPRESS: _ClassVar[Urgency]
    URGENCY_URGENT: _ClassVar[Urgency]

class DeliveryRequestStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    DELIVERY_REQUEST_STATUS_UNSPECIFIED: _ClassVar[DeliveryRequestStatus]
    DELIVERY_REQUEST_STATUS_OPEN: _ClassVar[DeliveryRequestStatus]
    DELIVERY_REQUEST_STATUS_MATCHED: _ClassVar[DeliveryRequestStatus]
    DELIVERY_REQUEST_STATUS_COMPLETED: _ClassVar[DeliveryRequestStatus]
    DELIVERY_REQUEST_STATUS_CANCELLED: _ClassVar[DeliveryRequestStatus]
    DELIVERY_REQUEST_STATUS_EXPIRED: _ClassVar[DeliveryRequestStatus]

class OfferStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    OFFER_STATUS_UNSPECIFIED: _ClassVar[OfferStatus]
    OFFER_STATUS_PENDING: _ClassVar[OfferStatus]
    OFFER_STATUS_ACCEPTED: _ClassVar[OfferStatus]
    OFFER_STATUS_DECLINED: _ClassVar[OfferStatus]
    OFFER_STATUS_WITHDRAWN: _ClassVar[OfferStatus]
    OFFER_STATUS_EXPIRED: _ClassVar[OfferStatus]

class DeliveryStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    DELIVERY_STATUS_UNSPECIFIED: _ClassVar[DeliveryStatus]
    DELIVERY_STATUS_ACCEPTED: _ClassVar[DeliveryStatus]
    DELIVERY_STATUS_PICKUP_SCHEDULED: _ClassVar[DeliveryStatus]
    DELIVERY_STATUS_PICKED_UP: _ClassVar[DeliveryStatus]
    DELIVERY_STATUS_IN_TRANSIT: _ClassVar[DeliveryStatus]
    DELIVERY_STATUS_DELIVERY_SCHEDULED: _ClassVar[DeliveryStatus]
    DELIVERY_STATUS_DELIVERED: _ClassVar[DeliveryStatus]
    DELIVERY_STATUS_COMPLETED: _ClassVar[DeliveryStatus]
    DELIVERY_STATUS_CANCELLED: _ClassVar[DeliveryStatus]
    DELIVERY_STATUS_DISPUTED: _ClassVar[DeliveryStatus]

class ParticipantRole(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PARTICIPANT_ROLE_UNSPECIFIED: _ClassVar[ParticipantRole]
    PARTICIPANT_ROLE_TRAVELER: _ClassVar[ParticipantRole]
    PARTICIPANT_ROLE_CUSTOMER: _ClassVar[ParticipantRole]

class ReportReason(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    REPORT_REASON_UNSPECIFIED: _ClassVar[ReportReason]
    REPORT_REASON_PROHIBITED_ITEM: _ClassVar[ReportReason]
    REPORT_REASON_FRAUD: _ClassVar[ReportReason]
    REPORT_REASON_SPAM: _ClassVar[ReportReason]
    REPORT_REASON_OFFENSIVE: _ClassVar[ReportReason]
    REPORT_REASON_OTHER: _ClassVar[ReportReason]

class OfferChange(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    OFFER_CHANGE_UNSPECIFIED: _ClassVar[OfferChange]
    OFFER_CHANGE_EXISTING: _ClassVar[OfferChange]
    OFFER_CHANGE_CREATED: _ClassVar[OfferChange]
    OFFER_CHANGE_UPDATED: _ClassVar[OfferChange]
ITEM_CATEGORY_UNSPECIFIED: ItemCategory
ITEM_CATEGORY_DOCUMENTS: ItemCategory
ITEM_CATEGORY_ELECTRONICS: ItemCategory
ITEM_CATEGORY_CLOTHING: ItemCategory
ITEM_CATEGORY_FOOD: ItemCategory
ITEM_CATEGORY_BOOKS: ItemCategory
ITEM_CATEGORY_COSMETICS: ItemCategory
ITEM_CATEGORY_MEDICINE: ItemCategory
ITEM_CATEGORY_JEWELRY: ItemCategory
ITEM_CATEGORY_ARTWORK: ItemCategory
ITEM_CATEGORY_SPORTS: ItemCategory
ITEM_CATEGORY_TOYS: ItemCategory
ITEM_CATEGORY_HOUSEHOLD: ItemCategory
ITEM_CATEGORY_GIFTS: ItemCategory
ITEM_CATEGORY_OTHER: ItemCategory
ITEM_CATEGORY_WEAPONS: ItemCategory
ITEM_CATEGORY_DRUGS: ItemCategory
ITEM_CATEGORY_EXPLOSIVES: ItemCategory
ITEM_CATEGORY_FLAMMABLES: ItemCategory
ITEM_CATEGORY_LIVE_ANIMALS: ItemCategory
ITEM_CATEGORY_CASH: ItemCategory
ITEM_CATEGORY_COUNTERFEIT_GOODS: ItemCategory
URGENCY_UNSPECIFIED: Urgency
URGENCY_STANDARD: Urgency
URGENCY_EXPRESS: Urgency
URGENCY_URGENT: Urgency
DELIVERY_REQUEST_STATUS_UNSPECIFIED: DeliveryRequestStatus
DELIVERY_REQUEST_STATUS_OPEN: DeliveryRequestStatus
DELIVERY_REQUEST_STATUS_MATCHED: DeliveryRequestStatus
DELIVERY_REQUEST_STATUS_COMPLETED: DeliveryRequestStatus
DELIVERY_REQUEST_STATUS_CANCELLED: DeliveryRequestStatus
DELIVERY_REQUEST_STATUS_EXPIRED: DeliveryRequestStatus
OFFER_STATUS_UNSPECIFIED: OfferStatus
OFFER_STATUS_PENDING: OfferStatus
OFFER_STATUS_ACCEPTED: OfferStatus
OFFER_STATUS_DECLINED: OfferStatus
OFFER_STATUS_WITHDRAWN: OfferStatus
OFFER_STATUS_EXPIRED: OfferStatus
DELIVERY_STATUS_UNSPECIFIED: DeliveryStatus
DELIVERY_STATUS_ACCEPTED: DeliveryStatus
DELIVERY_STATUS_PICKUP_SCHEDULED: DeliveryStatus
DELIVERY_STATUS_PICKED_UP: DeliveryStatus
DELIVERY_STATUS_IN_TRANSIT: DeliveryStatus
DELIVERY_STATUS_DELIVERY_SCHEDULED: DeliveryStatus
DELIVERY_STATUS_DELIVERED: DeliveryStatus
DELIVERY_STATUS_COMPLETED: DeliveryStatus
DELIVERY_STATUS_CANCELLED: DeliveryStatus
DELIVERY_STATUS_DISPUTED: DeliveryStatus
PARTICIPANT_ROLE_UNSPECIFIED: ParticipantRole
PARTICIPANT_ROLE_TRAVELER: ParticipantRole
PARTICIPANT_ROLE_CUSTOMER: ParticipantRole
REPORT_REASON_UNSPECIFIED: ReportReason
REPORT_REASON_PROHIBITED_ITEM: ReportReason
REPORT_REASON_FRAUD: ReportReason
REPORT_REASON_SPAM: ReportReason
REPORT_REASON_OFFENSIVE: ReportReason
REPORT_REASON_OTHER: ReportReason
OFFER_CHANGE_UNSPECIFIED: OfferChange
OFFER_CHANGE_EXISTING: OfferChange
OFFER_CHANGE_CREATED: OfferChange
OFFER_CHANGE_UPDATED: OfferChange

class Dimensions(_message.Message):
    __slots__ = ("length_cm", "width_cm", "height_cm")
    LENGTH_CM_FIELD_NUMBER: _ClassVar[int]
    WIDTH_CM_FIELD_NUMBER: _ClassVar[int]
    HEIGHT_CM_FIELD_NUMBER: _ClassVar[int]
    length_cm: int
    width_cm: int
    height_cm: int
    def __init__(self, length_cm: _Optional[int] = ..., width_cm: _Optional[int] = ..., height_cm: _Optional[int] = ...) -> None: ...

class Item(_message.Message):
    __slots__ = ("name", "description", "category", "quantity", "weight_grams", "dimensions", "volume_cm3", "value", "fragile", "perishable", "hazardous", "requires_signature", "image_urls")
    NAME_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    QUANTITY_FIELD_NUMBER: _ClassVar[int]
    WEIGHT_GRAMS_FIELD_NUMBER: _ClassVar[int]
    DIMENSIONS_FIELD_NUMBER: _ClassVar[int]
    VOLUME_CM3_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    FRAGILE_FIELD_NUMBER: _ClassVar[int]
    PERISHABLE_FIELD_NUMBER: _ClassVar[int]
    HAZARDOUS_FIELD_NUMBER: _ClassVar[int]
    REQUIRES_SIGNATURE_FIELD_NUMBER: _ClassVar[int]
    IMAGE_URLS_FIELD_NUMBER: _ClassVar[int]
    name: str
    description: str
    category: ItemCategory
    quantity: int
    weight_grams: int
    dimensions: Dimensions
    volume_cm3: int
    value: _common_pb2.Money
    fragile: bool
    perishable: bool
    hazardous: bool
    requires_signature: bool
    image_urls: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, name: _Optional[str] = ..., description: _Optional[str] = ..., category: _Optional[_Union[ItemCategory, str]] = ..., quantity: _Optional[int] = ..., weight_grams: _Optional[int] = ..., dimensions: _Optional[_Union[Dimensions, _Mapping]] = ..., volume_cm3: _Optional[int] = ..., value: _Optional[_Union[_common_pb2.Money, _Mapping]] = ..., fragile: _Optional[bool] = ..., perishable: _Optional[bool] = ..., hazardous: _Optional[bool] = ..., requires_signature: _Optional[bool] = ..., image_urls: _Optional[_Iterable[str]] = ...) -> None: ...

class Stop(_message.Message):
    __slots__ = ("place", "contact_name", "contact_phone", "instructions", "window_start", "window_end")
    PLACE_FIELD_NUMBER: _ClassVar[int]
    CONTACT_NAME_FIELD_NUMBER: _ClassVar[int]
    CONTACT_PHONE_FIELD_NUMBER: _ClassVar[int]
    INSTRUCTIONS_FIELD_NUMBER: _ClassVar[int]
    WINDOW_START_FIELD_NUMBER: _ClassVar[int]
    WINDOW_END_FIELD_NUMBER: _ClassVar[int]
    place: _common_pb2.Place
    contact_name: str
    contact_phone: str
    instructions: str
    window_start: _timestamp_pb2.Timestamp
    window_end: _timestamp_pb2.Timestamp
    def __init__(self, place: _Optional[_Union[_common_pb2.Place, _Mapping]] = ..., contact_name: _Optional[str] = ..., contact_phone: _Optional[str] = ..., instructions: _Optional[str] = ..., window_start: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., window_end: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class DeliveryRequest(_message.Message):
    __slots__ = ("id", "customer_id", "title", "description", "status", "urgency", "item", "pickup", "delivery", "flexible_pickup_timing", "preferred_pickup_days", "requires_recipient_presence", "currency_code", "max_price", "auto_accept_price", "estimated_price", "distance_meters", "preferred_traveler_ids", "blacklisted_traveler_ids", "min_traveler_rating", "verification_required", "insurance_required", "background_check_required", "notification_preferences", "special_instructions", "tags", "create_time", "update_time", "expire_time", "cancel_time", "cancellation_reason", "pending_offer_count", "delivery_id", "public_view")
    class NotificationPreferencesEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: bool
        def __init__(self, key: _Optional[str] = ..., value: _Optional[bool] = ...) -> None: ...
    ID_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    URGENCY_FIELD_NUMBER: _ClassVar[int]
    ITEM_FIELD_NUMBER: _ClassVar[int]
    PICKUP_FIELD_NUMBER: _ClassVar[int]
    DELIVERY_FIELD_NUMBER: _ClassVar[int]
    FLEXIBLE_PICKUP_TIMING_FIELD_NUMBER: _ClassVar[int]
    PREFERRED_PICKUP_DAYS_FIELD_NUMBER: _ClassVar[int]
    REQUIRES_RECIPIENT_PRESENCE_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_CODE_FIELD_NUMBER: _ClassVar[int]
    MAX_PRICE_FIELD_NUMBER: _ClassVar[int]
    AUTO_ACCEPT_PRICE_FIELD_NUMBER: _ClassVar[int]
    ESTIMATED_PRICE_FIELD_NUMBER: _ClassVar[int]
    DISTANCE_METERS_FIELD_NUMBER: _ClassVar[int]
    PREFERRED_TRAVELER_IDS_FIELD_NUMBER: _ClassVar[int]
    BLACKLISTED_TRAVELER_IDS_FIELD_NUMBER: _ClassVar[int]
    MIN_TRAVELER_RATING_FIELD_NUMBER: _ClassVar[int]
    VERIFICATION_REQUIRED_FIELD_NUMBER: _ClassVar[int]
    INSURANCE_REQUIRED_FIELD_NUMBER: _ClassVar[int]
    BACKGROUND_CHECK_REQUIRED_FIELD_NUMBER: _ClassVar[int]
    NOTIFICATION_PREFERENCES_FIELD_NUMBER: _ClassVar[int]
    SPECIAL_INSTRUCTIONS_FIELD_NUMBER: _ClassVar[int]
    TAGS_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    EXPIRE_TIME_FIELD_NUMBER: _ClassVar[int]
    CANCEL_TIME_FIELD_NUMBER: _ClassVar[int]
    CANCELLATION_REASON_FIELD_NUMBER: _ClassVar[int]
    PENDING_OFFER_COUNT_FIELD_NUMBER: _ClassVar[int]
    DELIVERY_ID_FIELD_NUMBER: _ClassVar[int]
    PUBLIC_VIEW_FIELD_NUMBER: _ClassVar[int]
    id: str
    customer_id: str
    title: str
    description: str
    status: DeliveryRequestStatus
    urgency: Urgency
    item: Item
    pickup: Stop
    delivery: Stop
    flexible_pickup_timing: bool
    preferred_pickup_days: _containers.RepeatedScalarFieldContainer[str]
    requires_recipient_presence: bool
    currency_code: str
    max_price: _common_pb2.Money
    auto_accept_price: _common_pb2.Money
    estimated_price: _common_pb2.Money
    distance_meters: int
    preferred_traveler_ids: _containers.RepeatedScalarFieldContainer[str]
    blacklisted_traveler_ids: _containers.RepeatedScalarFieldContainer[str]
    min_traveler_rating: float
    verification_required: bool
    insurance_required: bool
    background_check_required: bool
    notification_preferences: _containers.ScalarMap[str, bool]
    special_instructions: str
    tags: _containers.RepeatedScalarFieldContainer[str]
    create_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    expire_time: _timestamp_pb2.Timestamp
    cancel_time: _timestamp_pb2.Timestamp
    cancellation_reason: str
    pending_offer_count: int
    delivery_id: str
    public_view: bool
    def __init__(self, id: _Optional[str] = ..., customer_id: _Optional[str] = ..., title: _Optional[str] = ..., description: _Optional[str] = ..., status: _Optional[_Union[DeliveryRequestStatus, str]] = ..., urgency: _Optional[_Union[Urgency, str]] = ..., item: _Optional[_Union[Item, _Mapping]] = ..., pickup: _Optional[_Union[Stop, _Mapping]] = ..., delivery: _Optional[_Union[Stop, _Mapping]] = ..., flexible_pickup_timing: _Optional[bool] = ..., preferred_pickup_days: _Optional[_Iterable[str]] = ..., requires_recipient_presence: _Optional[bool] = ..., currency_code: _Optional[str] = ..., max_price: _Optional[_Union[_common_pb2.Money, _Mapping]] = ..., auto_accept_price: _Optional[_Union[_common_pb2.Money, _Mapping]] = ..., estimated_price: _Optional[_Union[_common_pb2.Money, _Mapping]] = ..., distance_meters: _Optional[int] = ..., preferred_traveler_ids: _Optional[_Iterable[str]] = ..., blacklisted_traveler_ids: _Optional[_Iterable[str]] = ..., min_traveler_rating: _Optional[float] = ..., verification_required: _Optional[bool] = ..., insurance_required: _Optional[bool] = ..., background_check_required: _Optional[bool] = ..., notification_preferences: _Optional[_Mapping[str, bool]] = ..., special_instructions: _Optional[str] = ..., tags: _Optional[_Iterable[str]] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., expire_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., cancel_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., cancellation_reason: _Optional[str] = ..., pending_offer_count: _Optional[int] = ..., delivery_id: _Optional[str] = ..., public_view: _Optional[bool] = ...) -> None: ...

class CreateDeliveryRequestRequest(_message.Message):
    __slots__ = ("delivery_request", "request_id")
    DELIVERY_REQUEST_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    delivery_request: DeliveryRequest
    request_id: str
    def __init__(self, delivery_request: _Optional[_Union[DeliveryRequest, _Mapping]] = ..., request_id: _Optional[str] = ...) -> None: ...

class GetDeliveryRequestRequest(_message.Message):
    __slots__ = ("delivery_request_id",)
    DELIVERY_REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    delivery_request_id: str
    def __init__(self, delivery_request_id: _Optional[str] = ...) -> None: ...

class ListDeliveryRequestsRequest(_message.Message):
    __slots__ = ("statuses", "page_size", "page_token")
    STATUSES_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    statuses: _containers.RepeatedScalarFieldContainer[DeliveryRequestStatus]
    page_size: int
    page_token: str
    def __init__(self, statuses: _Optional[_Iterable[_Union[DeliveryRequestStatus, str]]] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListDeliveryRequestsResponse(_message.Message):
    __slots__ = ("delivery_requests", "next_page_token")
    DELIVERY_REQUESTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    delivery_requests: _containers.RepeatedCompositeFieldContainer[DeliveryRequest]
    next_page_token: str
    def __init__(self, delivery_requests: _Optional[_Iterable[_Union[DeliveryRequest, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class UpdateDeliveryRequestRequest(_message.Message):
    __slots__ = ("delivery_request", "update_mask")
    DELIVERY_REQUEST_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    delivery_request: DeliveryRequest
    update_mask: _field_mask_pb2.FieldMask
    def __init__(self, delivery_request: _Optional[_Union[DeliveryRequest, _Mapping]] = ..., update_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ...) -> None: ...

class CancelDeliveryRequestRequest(_message.Message):
    __slots__ = ("delivery_request_id", "reason")
    DELIVERY_REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    delivery_request_id: str
    reason: str
    def __init__(self, delivery_request_id: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class SearchDeliveryRequestsRequest(_message.Message):
    __slots__ = ("origin", "destination", "radius_meters", "min_price_minor", "max_weight_grams", "category", "urgency", "page_size", "page_token")
    ORIGIN_FIELD_NUMBER: _ClassVar[int]
    DESTINATION_FIELD_NUMBER: _ClassVar[int]
    RADIUS_METERS_FIELD_NUMBER: _ClassVar[int]
    MIN_PRICE_MINOR_FIELD_NUMBER: _ClassVar[int]
    MAX_WEIGHT_GRAMS_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    URGENCY_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    origin: _latlng_pb2.LatLng
    destination: _latlng_pb2.LatLng
    radius_meters: int
    min_price_minor: int
    max_weight_grams: int
    category: ItemCategory
    urgency: Urgency
    page_size: int
    page_token: str
    def __init__(self, origin: _Optional[_Union[_latlng_pb2.LatLng, _Mapping]] = ..., destination: _Optional[_Union[_latlng_pb2.LatLng, _Mapping]] = ..., radius_meters: _Optional[int] = ..., min_price_minor: _Optional[int] = ..., max_weight_grams: _Optional[int] = ..., category: _Optional[_Union[ItemCategory, str]] = ..., urgency: _Optional[_Union[Urgency, str]] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class SearchDeliveryRequestsResponse(_message.Message):
    __slots__ = ("delivery_requests", "next_page_token")
    DELIVERY_REQUESTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    delivery_requests: _containers.RepeatedCompositeFieldContainer[DeliveryRequest]
    next_page_token: str
    def __init__(self, delivery_requests: _Optional[_Iterable[_Union[DeliveryRequest, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class DuplicateDeliveryRequestRequest(_message.Message):
    __slots__ = ("delivery_request_id", "overrides", "update_mask", "request_id")
    DELIVERY_REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    OVERRIDES_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    delivery_request_id: str
    overrides: DeliveryRequest
    update_mask: _field_mask_pb2.FieldMask
    request_id: str
    def __init__(self, delivery_request_id: _Optional[str] = ..., overrides: _Optional[_Union[DeliveryRequest, _Mapping]] = ..., update_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ..., request_id: _Optional[str] = ...) -> None: ...

class GetDeliveryRequestAnalyticsRequest(_message.Message):
    __slots__ = ("delivery_request_id",)
    DELIVERY_REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    delivery_request_id: str
    def __init__(self, delivery_request_id: _Optional[str] = ...) -> None: ...

class OfferStatusCount(_message.Message):
    __slots__ = ("status", "count")
    STATUS_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    status: OfferStatus
    count: int
    def __init__(self, status: _Optional[_Union[OfferStatus, str]] = ..., count: _Optional[int] = ...) -> None: ...

class DeliveryRequestAnalytics(_message.Message):
    __slots__ = ("delivery_request_id", "views", "unique_viewers", "total_offers", "offers_by_status", "min_offer_price", "avg_offer_price", "max_offer_price", "estimated_price", "max_price", "accepted_price", "avg_offer_vs_estimate_bp", "first_offer_time", "reports")
    DELIVERY_REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    VIEWS_FIELD_NUMBER: _ClassVar[int]
    UNIQUE_VIEWERS_FIELD_NUMBER: _ClassVar[int]
    TOTAL_OFFERS_FIELD_NUMBER: _ClassVar[int]
    OFFERS_BY_STATUS_FIELD_NUMBER: _ClassVar[int]
    MIN_OFFER_PRICE_FIELD_NUMBER: _ClassVar[int]
    AVG_OFFER_PRICE_FIELD_NUMBER: _ClassVar[int]
    MAX_OFFER_PRICE_FIELD_NUMBER: _ClassVar[int]
    ESTIMATED_PRICE_FIELD_NUMBER: _ClassVar[int]
    MAX_PRICE_FIELD_NUMBER: _ClassVar[int]
    ACCEPTED_PRICE_FIELD_NUMBER: _ClassVar[int]
    AVG_OFFER_VS_ESTIMATE_BP_FIELD_NUMBER: _ClassVar[int]
    FIRST_OFFER_TIME_FIELD_NUMBER: _ClassVar[int]
    REPORTS_FIELD_NUMBER: _ClassVar[int]
    delivery_request_id: str
    views: int
    unique_viewers: int
    total_offers: int
    offers_by_status: _containers.RepeatedCompositeFieldContainer[OfferStatusCount]
    min_offer_price: _common_pb2.Money
    avg_offer_price: _common_pb2.Money
    max_offer_price: _common_pb2.Money
    estimated_price: _common_pb2.Money
    max_price: _common_pb2.Money
    accepted_price: _common_pb2.Money
    avg_offer_vs_estimate_bp: int
    first_offer_time: _timestamp_pb2.Timestamp
    reports: int
    def __init__(self, delivery_request_id: _Optional[str] = ..., views: _Optional[int] = ..., unique_viewers: _Optional[int] = ..., total_offers: _Optional[int] = ..., offers_by_status: _Optional[_Iterable[_Union[OfferStatusCount, _Mapping]]] = ..., min_offer_price: _Optional[_Union[_common_pb2.Money, _Mapping]] = ..., avg_offer_price: _Optional[_Union[_common_pb2.Money, _Mapping]] = ..., max_offer_price: _Optional[_Union[_common_pb2.Money, _Mapping]] = ..., estimated_price: _Optional[_Union[_common_pb2.Money, _Mapping]] = ..., max_price: _Optional[_Union[_common_pb2.Money, _Mapping]] = ..., accepted_price: _Optional[_Union[_common_pb2.Money, _Mapping]] = ..., avg_offer_vs_estimate_bp: _Optional[int] = ..., first_offer_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., reports: _Optional[int] = ...) -> None: ...

class ReportDeliveryRequestRequest(_message.Message):
    __slots__ = ("delivery_request_id", "reason", "details")
    DELIVERY_REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    DETAILS_FIELD_NUMBER: _ClassVar[int]
    delivery_request_id: str
    reason: ReportReason
    details: str
    def __init__(self, delivery_request_id: _Optional[str] = ..., reason: _Optional[_Union[ReportReason, str]] = ..., details: _Optional[str] = ...) -> None: ...

class DeliveryRequestReport(_message.Message):
    __slots__ = ("id", "delivery_request_id", "reporter_id", "reason", "details", "create_time")
    ID_FIELD_NUMBER: _ClassVar[int]
    DELIVERY_REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    REPORTER_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    DETAILS_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    id: str
    delivery_request_id: str
    reporter_id: str
    reason: ReportReason
    details: str
    create_time: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., delivery_request_id: _Optional[str] = ..., reporter_id: _Optional[str] = ..., reason: _Optional[_Union[ReportReason, str]] = ..., details: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class GetDeliveryRequestStatisticsRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class StatusCount(_message.Message):
    __slots__ = ("status", "count")
    STATUS_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    status: DeliveryRequestStatus
    count: int
    def __init__(self, status: _Optional[_Union[DeliveryRequestStatus, str]] = ..., count: _Optional[int] = ...) -> None: ...

class CategoryCount(_message.Message):
    __slots__ = ("category", "count")
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    category: ItemCategory
    count: int
    def __init__(self, category: _Optional[_Union[ItemCategory, str]] = ..., count: _Optional[int] = ...) -> None: ...

class MonthCount(_message.Message):
    __slots__ = ("month", "count")
    MONTH_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    month: str
    count: int
    def __init__(self, month: _Optional[str] = ..., count: _Optional[int] = ...) -> None: ...

class DeliveryRequestStatistics(_message.Message):
    __slots__ = ("total_requests", "by_status", "by_category", "by_month", "offers_received", "deliveries_completed", "total_spent", "total_weight_grams")
    TOTAL_REQUESTS_FIELD_NUMBER: _ClassVar[int]
    BY_STATUS_FIELD_NUMBER: _ClassVar[int]
    BY_CATEGORY_FIELD_NUMBER: _ClassVar[int]
    BY_MONTH_FIELD_NUMBER: _ClassVar[int]
    OFFERS_RECEIVED_FIELD_NUMBER: _ClassVar[int]
    DELIVERIES_COMPLETED_FIELD_NUMBER: _ClassVar[int]
    TOTAL_SPENT_FIELD_NUMBER: _ClassVar[int]
    TOTAL_WEIGHT_GRAMS_FIELD_NUMBER: _ClassVar[int]
    total_requests: int
    by_status: _containers.RepeatedCompositeFieldContainer[StatusCount]
    by_category: _containers.RepeatedCompositeFieldContainer[CategoryCount]
    by_month: _containers.RepeatedCompositeFieldContainer[MonthCount]
    offers_received: int
    deliveries_completed: int
    total_spent: _containers.RepeatedCompositeFieldContainer[_common_pb2.Money]
    total_weight_grams: int
    def __init__(self, total_requests: _Optional[int] = ..., by_status: _Optional[_Iterable[_Union[StatusCount, _Mapping]]] = ..., by_category: _Optional[_Iterable[_Union[CategoryCount, _Mapping]]] = ..., by_month: _Optional[_Iterable[_Union[MonthCount, _Mapping]]] = ..., offers_received: _Optional[int] = ..., deliveries_completed: _Optional[int] = ..., total_spent: _Optional[_Iterable[_Union[_common_pb2.Money, _Mapping]]] = ..., total_weight_grams: _Optional[int] = ...) -> None: ...

class ListPopularRoutesRequest(_message.Message):
    __slots__ = ("days", "limit")
    DAYS_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    days: int
    limit: int
    def __init__(self, days: _Optional[int] = ..., limit: _Optional[int] = ...) -> None: ...

class PopularRoute(_message.Message):
    __slots__ = ("origin", "destination", "origin_address", "destination_address", "requests", "top_categories", "avg_estimated_price", "min_estimated_price", "max_estimated_price")
    ORIGIN_FIELD_NUMBER: _ClassVar[int]
    DESTINATION_FIELD_NUMBER: _ClassVar[int]
    ORIGIN_ADDRESS_FIELD_NUMBER: _ClassVar[int]
    DESTINATION_ADDRESS_FIELD_NUMBER: _ClassVar[int]
    REQUESTS_FIELD_NUMBER: _ClassVar[int]
    TOP_CATEGORIES_FIELD_NUMBER: _ClassVar[int]
    AVG_ESTIMATED_PRICE_FIELD_NUMBER: _ClassVar[int]
    MIN_ESTIMATED_PRICE_FIELD_NUMBER: _ClassVar[int]
    MAX_ESTIMATED_PRICE_FIELD_NUMBER: _ClassVar[int]
    origin: _latlng_pb2.LatLng
    destination: _latlng_pb2.LatLng
    origin_address: str
    destination_address: str
    requests: int
    top_categories: _containers.RepeatedScalarFieldContainer[ItemCategory]
    avg_estimated_price: _common_pb2.Money
    min_estimated_price: _common_pb2.Money
    max_estimated_price: _common_pb2.Money
    def __init__(self, origin: _Optional[_Union[_latlng_pb2.LatLng, _Mapping]] = ..., destination: _Optional[_Union[_latlng_pb2.LatLng, _Mapping]] = ..., origin_address: _Optional[str] = ..., destination_address: _Optional[str] = ..., requests: _Optional[int] = ..., top_categories: _Optional[_Iterable[_Union[ItemCategory, str]]] = ..., avg_estimated_price: _Optional[_Union[_common_pb2.Money, _Mapping]] = ..., min_estimated_price: _Optional[_Union[_common_pb2.Money, _Mapping]] = ..., max_estimated_price: _Optional[_Union[_common_pb2.Money, _Mapping]] = ...) -> None: ...

class ListPopularRoutesResponse(_message.Message):
    __slots__ = ("routes",)
    ROUTES_FIELD_NUMBER: _ClassVar[int]
    routes: _containers.RepeatedCompositeFieldContainer[PopularRoute]
    def __init__(self, routes: _Optional[_Iterable[_Union[PopularRoute, _Mapping]]] = ...) -> None: ...

class GetRecommendationsRequest(_message.Message):
    __slots__ = ("delivery_request_id", "pickup", "dropoff", "weight_grams", "urgency", "fragile", "currency_code", "limit")
    DELIVERY_REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    PICKUP_FIELD_NUMBER: _ClassVar[int]
    DROPOFF_FIELD_NUMBER: _ClassVar[int]
    WEIGHT_GRAMS_FIELD_NUMBER: _ClassVar[int]
    URGENCY_FIELD_NUMBER: _ClassVar[int]
    FRAGILE_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_CODE_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    delivery_request_id: str
    pickup: _latlng_pb2.LatLng
    dropoff: _latlng_pb2.LatLng
    weight_grams: int
    urgency: Urgency
    fragile: bool
    currency_code: str
    limit: int
    def __init__(self, delivery_request_id: _Optional[str] = ..., pickup: _Optional[_Union[_latlng_pb2.LatLng, _Mapping]] = ..., dropoff: _Optional[_Union[_latlng_pb2.LatLng, _Mapping]] = ..., weight_grams: _Optional[int] = ..., urgency: _Optional[_Union[Urgency, str]] = ..., fragile: _Optional[bool] = ..., currency_code: _Optional[str] = ..., limit: _Optional[int] = ...) -> None: ...

class PricingSuggestion(_message.Message):
    __slots__ = ("estimated_price", "market_samples", "market_min_price", "market_avg_price", "market_max_price", "suggested_max_price")
    ESTIMATED_PRICE_FIELD_NUMBER: _ClassVar[int]
    MARKET_SAMPLES_FIELD_NUMBER: _ClassVar[int]
    MARKET_MIN_PRICE_FIELD_NUMBER: _ClassVar[int]
    MARKET_AVG_PRICE_FIELD_NUMBER: _ClassVar[int]
    MARKET_MAX_PRICE_FIELD_NUMBER: _ClassVar[int]
    SUGGESTED_MAX_PRICE_FIELD_NUMBER: _ClassVar[int]
    estimated_price: _common_pb2.Money
    market_samples: int
    market_min_price: _common_pb2.Money
    market_avg_price: _common_pb2.Money
    market_max_price: _common_pb2.Money
    suggested_max_price: _common_pb2.Money
    def __init__(self, estimated_price: _Optional[_Union[_common_pb2.Money, _Mapping]] = ..., market_samples: _Optional[int] = ..., market_min_price: _Optional[_Union[_common_pb2.Money, _Mapping]] = ..., market_avg_price: _Optional[_Union[_common_pb2.Money, _Mapping]] = ..., market_max_price: _Optional[_Union[_common_pb2.Money, _Mapping]] = ..., suggested_max_price: _Optional[_Union[_common_pb2.Money, _Mapping]] = ...) -> None: ...

class Recommendations(_message.Message):
    __slots__ = ("similar_requests", "pricing")
    SIMILAR_REQUESTS_FIELD_NUMBER: _ClassVar[int]
    PRICING_FIELD_NUMBER: _ClassVar[int]
    similar_requests: _containers.RepeatedCompositeFieldContainer[DeliveryRequest]
    pricing: PricingSuggestion
    def __init__(self, similar_requests: _Optional[_Iterable[_Union[DeliveryRequest, _Mapping]]] = ..., pricing: _Optional[_Union[PricingSuggestion, _Mapping]] = ...) -> None: ...

class ScoreBreakdown(_message.Message):
    __slots__ = ("detour", "time_fit", "price", "rating", "reliability", "preferred_bonus")
    DETOUR_FIELD_NUMBER: _ClassVar[int]
    TIME_FIT_FIELD_NUMBER: _ClassVar[int]
    PRICE_FIELD_NUMBER: _ClassVar[int]
    RATING_FIELD_NUMBER: _ClassVar[int]
    RELIABILITY_FIELD_NUMBER: _ClassVar[int]
    PREFERRED_BONUS_FIELD_NUMBER: _ClassVar[int]
    detour: float
    time_fit: float
    price: float
    rating: float
    reliability: float
    preferred_bonus: float
    def __init__(self, detour: _Optional[float] = ..., time_fit: _Optional[float] = ..., price: _Optional[float] = ..., rating: _Optional[float] = ..., reliability: _Optional[float] = ..., preferred_bonus: _Optional[float] = ...) -> None: ...

class TripMatch(_message.Message):
    __slots__ = ("trip_id", "traveler_id", "origin", "destination", "departure_time", "arrival_time", "pickup_detour_meters", "dropoff_detour_meters", "pickup_fraction", "dropoff_fraction", "trip_price", "traveler_rating", "preferred_traveler", "score", "breakdown")
    TRIP_ID_FIELD_NUMBER: _ClassVar[int]
    TRAVELER_ID_FIELD_NUMBER: _ClassVar[int]
    ORIGIN_FIELD_NUMBER: _ClassVar[int]
    DESTINATION_FIELD_NUMBER: _ClassVar[int]
    DEPARTURE_TIME_FIELD_NUMBER: _ClassVar[int]
    ARRIVAL_TIME_FIELD_NUMBER: _ClassVar[int]
    PICKUP_DETOUR_METERS_FIELD_NUMBER: _ClassVar[int]
    DROPOFF_DETOUR_METERS_FIELD_NUMBER: _ClassVar[int]
    PICKUP_FRACTION_FIELD_NUMBER: _ClassVar[int]
    DROPOFF_FRACTION_FIELD_NUMBER: _ClassVar[int]
    TRIP_PRICE_FIELD_NUMBER: _ClassVar[int]
    TRAVELER_RATING_FIELD_NUMBER: _ClassVar[int]
    PREFERRED_TRAVELER_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    BREAKDOWN_FIELD_NUMBER: _ClassVar[int]
    trip_id: str
    traveler_id: str
    origin: _common_pb2.Place
    destination: _common_pb2.Place
    departure_time: _timestamp_pb2.Timestamp
    arrival_time: _timestamp_pb2.Timestamp
    pickup_detour_meters: int
    dropoff_detour_meters: int
    pickup_fraction: float
    dropoff_fraction: float
    trip_price: _common_pb2.Money
    traveler_rating: float
    preferred_traveler: bool
    score: float
    breakdown: ScoreBreakdown
    def __init__(self, trip_id: _Optional[str] = ..., traveler_id: _Optional[str] = ..., origin: _Optional[_Union[_common_pb2.Place, _Mapping]] = ..., destination: _Optional[_Union[_common_pb2.Place, _Mapping]] = ..., departure_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., arrival_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., pickup_detour_meters: _Optional[int] = ..., dropoff_detour_meters: _Optional[int] = ..., pickup_fraction: _Optional[float] = ..., dropoff_fraction: _Optional[float] = ..., trip_price: _Optional[_Union[_common_pb2.Money, _Mapping]] = ..., traveler_rating: _Optional[float] = ..., preferred_traveler: _Optional[bool] = ..., score: _Optional[float] = ..., breakdown: _Optional[_Union[ScoreBreakdown, _Mapping]] = ...) -> None: ...

class FindMatchingTripsRequest(_message.Message):
    __slots__ = ("delivery_request_id", "max_detour_meters", "limit")
    DELIVERY_REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    MAX_DETOUR_METERS_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    delivery_request_id: str
    max_detour_meters: int
    limit: int
    def __init__(self, delivery_request_id: _Optional[str] = ..., max_detour_meters: _Optional[int] = ..., limit: _Optional[int] = ...) -> None: ...

class FindMatchingTripsResponse(_message.Message):
    __slots__ = ("matches",)
    MATCHES_FIELD_NUMBER: _ClassVar[int]
    matches: _containers.RepeatedCompositeFieldContainer[TripMatch]
    def __init__(self, matches: _Optional[_Iterable[_Union[TripMatch, _Mapping]]] = ...) -> None: ...

class RequestMatch(_message.Message):
    __slots__ = ("delivery_request", "pickup_detour_meters", "dropoff_detour_meters", "pickup_fraction", "dropoff_fraction", "trip_price", "score", "breakdown")
    DELIVERY_REQUEST_FIELD_NUMBER: _ClassVar[int]
    PICKUP_DETOUR_METERS_FIELD_NUMBER: _ClassVar[int]
    DROPOFF_DETOUR_METERS_FIELD_NUMBER: _ClassVar[int]
    PICKUP_FRACTION_FIELD_NUMBER: _ClassVar[int]
    DROPOFF_FRACTION_FIELD_NUMBER: _ClassVar[int]
    TRIP_PRICE_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    BREAKDOWN_FIELD_NUMBER: _ClassVar[int]
    delivery_request: DeliveryRequest
    pickup_detour_meters: int
    dropoff_detour_meters: int
    pickup_fraction: float
    dropoff_fraction: float
    trip_price: _common_pb2.Money
    score: float
    breakdown: ScoreBreakdown
    def __init__(self, delivery_request: _Optional[_Union[DeliveryRequest, _Mapping]] = ..., pickup_detour_meters: _Optional[int] = ..., dropoff_detour_meters: _Optional[int] = ..., pickup_fraction: _Optional[float] = ..., dropoff_fraction: _Optional[float] = ..., trip_price: _Optional[_Union[_common_pb2.Money, _Mapping]] = ..., score: _Optional[float] = ..., breakdown: _Optional[_Union[ScoreBreakdown, _Mapping]] = ...) -> None: ...

class FindMatchingRequestsRequest(_message.Message):
    __slots__ = ("trip_id", "max_detour_meters", "limit")
    TRIP_ID_FIELD_NUMBER: _ClassVar[int]
    MAX_DETOUR_METERS_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    trip_id: str
    max_detour_meters: int
    limit: int
    def __init__(self, trip_id: _Optional[str] = ..., max_detour_meters: _Optional[int] = ..., limit: _Optional[int] = ...) -> None: ...

class FindMatchingRequestsResponse(_message.Message):
    __slots__ = ("matches",)
    MATCHES_FIELD_NUMBER: _ClassVar[int]
    matches: _containers.RepeatedCompositeFieldContainer[RequestMatch]
    def __init__(self, matches: _Optional[_Iterable[_Union[RequestMatch, _Mapping]]] = ...) -> None: ...

class Offer(_message.Message):
    __slots__ = ("id", "delivery_request_id", "traveler_id", "trip_id", "price", "message", "estimated_pickup_time", "estimated_delivery_time", "status", "guarantees", "special_services", "valid_until", "create_time", "update_time", "accept_time", "decline_time", "decline_reason", "withdraw_time", "withdraw_reason", "delivery_id")
    ID_FIELD_NUMBER: _ClassVar[int]
    DELIVERY_REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    TRAVELER_ID_FIELD_NUMBER: _ClassVar[int]
    TRIP_ID_FIELD_NUMBER: _ClassVar[int]
    PRICE_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    ESTIMATED_PICKUP_TIME_FIELD_NUMBER: _ClassVar[int]
    ESTIMATED_DELIVERY_TIME_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    GUARANTEES_FIELD_NUMBER: _ClassVar[int]
    SPECIAL_SERVICES_FIELD_NUMBER: _ClassVar[int]
    VALID_UNTIL_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    ACCEPT_TIME_FIELD_NUMBER: _ClassVar[int]
    DECLINE_TIME_FIELD_NUMBER: _ClassVar[int]
    DECLINE_REASON_FIELD_NUMBER: _ClassVar[int]
    WITHDRAW_TIME_FIELD_NUMBER: _ClassVar[int]
    WITHDRAW_REASON_FIELD_NUMBER: _ClassVar[int]
    DELIVERY_ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    delivery_request_id: str
    traveler_id: str
    trip_id: str
    price: _common_pb2.Money
    message: str
    estimated_pickup_time: _timestamp_pb2.Timestamp
    estimated_delivery_time: _timestamp_pb2.Timestamp
    status: OfferStatus
    guarantees: _containers.RepeatedScalarFieldContainer[str]
    special_services: _containers.RepeatedScalarFieldContainer[str]
    valid_until: _timestamp_pb2.Timestamp
    create_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    accept_time: _timestamp_pb2.Timestamp
    decline_time: _timestamp_pb2.Timestamp
    decline_reason: str
    withdraw_time: _timestamp_pb2.Timestamp
    withdraw_reason: str
    delivery_id: str
    def __init__(self, id: _Optional[str] = ..., delivery_request_id: _Optional[str] = ..., traveler_id: _Optional[str] = ..., trip_id: _Optional[str] = ..., price: _Optional[_Union[_common_pb2.Money, _Mapping]] = ..., message: _Optional[str] = ..., estimated_pickup_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., estimated_delivery_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., status: _Optional[_Union[OfferStatus, str]] = ..., guarantees: _Optional[_Iterable[str]] = ..., special_services: _Optional[_Iterable[str]] = ..., valid_until: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., accept_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., decline_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., decline_reason: _Optional[str] = ..., withdraw_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., withdraw_reason: _Optional[str] = ..., delivery_id: _Optional[str] = ...) -> None: ...

class CreateOfferRequest(_message.Message):
    __slots__ = ("delivery_request_id", "offer", "request_id")
    DELIVERY_REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    OFFER_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    delivery_request_id: str
    offer: Offer
    request_id: str
    def __init__(self, delivery_request_id: _Optional[str] = ..., offer: _Optional[_Union[Offer, _Mapping]] = ..., request_id: _Optional[str] = ...) -> None: ...

class ListOffersRequest(_message.Message):
    __slots__ = ("delivery_request_id", "role", "statuses", "page_size", "page_token")
    DELIVERY_REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    STATUSES_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    delivery_request_id: str
    role: ParticipantRole
    statuses: _containers.RepeatedScalarFieldContainer[OfferStatus]
    page_size: int
    page_token: str
    def __init__(self, delivery_request_id: _Optional[str] = ..., role: _Optional[_Union[ParticipantRole, str]] = ..., statuses: _Optional[_Iterable[_Union[OfferStatus, str]]] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListOffersResponse(_message.Message):
    __slots__ = ("offers", "next_page_token")
    OFFERS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    offers: _containers.RepeatedCompositeFieldContainer[Offer]
    next_page_token: str
    def __init__(self, offers: _Optional[_Iterable[_Union[Offer, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class GetOfferRequest(_message.Message):
    __slots__ = ("delivery_request_id", "offer_id")
    DELIVERY_REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    OFFER_ID_FIELD_NUMBER: _ClassVar[int]
    delivery_request_id: str
    offer_id: str
    def __init__(self, delivery_request_id: _Optional[str] = ..., offer_id: _Optional[str] = ...) -> None: ...

class UpdateOfferRequest(_message.Message):
    __slots__ = ("offer", "update_mask")
    OFFER_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    offer: Offer
    update_mask: _field_mask_pb2.FieldMask
    def __init__(self, offer: _Optional[_Union[Offer, _Mapping]] = ..., update_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ...) -> None: ...

class WithdrawOfferRequest(_message.Message):
    __slots__ = ("delivery_request_id", "offer_id", "reason")
    DELIVERY_REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    OFFER_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    delivery_request_id: str
    offer_id: str
    reason: str
    def __init__(self, delivery_request_id: _Optional[str] = ..., offer_id: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class DeclineOfferRequest(_message.Message):
    __slots__ = ("delivery_request_id", "offer_id", "reason")
    DELIVERY_REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    OFFER_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    delivery_request_id: str
    offer_id: str
    reason: str
    def __init__(self, delivery_request_id: _Optional[str] = ..., offer_id: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class AcceptOfferRequest(_message.Message):
    __slots__ = ("delivery_request_id", "offer_id", "special_requests", "request_id")
    DELIVERY_REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    OFFER_ID_FIELD_NUMBER: _ClassVar[int]
    SPECIAL_REQUESTS_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    delivery_request_id: str
    offer_id: str
    special_requests: str
    request_id: str
    def __init__(self, delivery_request_id: _Optional[str] = ..., offer_id: _Optional[str] = ..., special_requests: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class WatchOffersRequest(_message.Message):
    __slots__ = ("delivery_request_id",)
    DELIVERY_REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    delivery_request_id: str
    def __init__(self, delivery_request_id: _Optional[str] = ...) -> None: ...

class WatchOffersResponse(_message.Message):
    __slots__ = ("change", "offer")
    CHANGE_FIELD_NUMBER: _ClassVar[int]
    OFFER_FIELD_NUMBER: _ClassVar[int]
    change: OfferChange
    offer: Offer
    def __init__(self, change: _Optional[_Union[OfferChange, str]] = ..., offer: _Optional[_Union[Offer, _Mapping]] = ...) -> None: ...

class Proof(_message.Message):
    __slots__ = ("verification", "signature_url", "photo_url", "notes")
    class VerificationEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    VERIFICATION_FIELD_NUMBER: _ClassVar[int]
    SIGNATURE_URL_FIELD_NUMBER: _ClassVar[int]
    PHOTO_URL_FIELD_NUMBER: _ClassVar[int]
    NOTES_FIELD_NUMBER: _ClassVar[int]
    verification: _containers.ScalarMap[str, str]
    signature_url: str
    photo_url: str
    notes: str
    def __init__(self, verification: _Optional[_Mapping[str, str]] = ..., signature_url: _Optional[str] = ..., photo_url: _Optional[str] = ..., notes: _Optional[str] = ...) -> None: ...

class Delivery(_message.Message):
    __slots__ = ("id", "delivery_number", "delivery_request_id", "offer_id", "customer_id", "traveler_id", "trip_id", "status", "final_price", "special_requests", "weight_grams", "volume_cm3", "items", "accept_time", "pickup_schedule_time", "scheduled_pickup_time", "pickup_time", "in_transit_time", "delivery_schedule_time", "scheduled_delivery_time", "deliver_time", "complete_time", "cancel_time", "cancellation_reason", "cancelled_by", "dispute_time", "dispute_reason", "pickup_verification", "delivery_verification", "recipient_signature_url", "delivery_photo_url", "delivery_notes", "capacity_release_time", "create_time", "update_time")
    class PickupVerificationEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    class DeliveryVerificationEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    ID_FIELD_NUMBER: _ClassVar[int]
    DELIVERY_NUMBER_FIELD_NUMBER: _ClassVar[int]
    DELIVERY_REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    OFFER_ID_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    TRAVELER_ID_FIELD_NUMBER: _ClassVar[int]
    TRIP_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    FINAL_PRICE_FIELD_NUMBER: _ClassVar[int]
    SPECIAL_REQUESTS_FIELD_NUMBER: _ClassVar[int]
    WEIGHT_GRAMS_FIELD_NUMBER: _ClassVar[int]
    VOLUME_CM3_FIELD_NUMBER: _ClassVar[int]
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    ACCEPT_TIME_FIELD_NUMBER: _ClassVar[int]
    PICKUP_SCHEDULE_TIME_FIELD_NUMBER: _ClassVar[int]
    SCHEDULED_PICKUP_TIME_FIELD_NUMBER: _ClassVar[int]
    PICKUP_TIME_FIELD_NUMBER: _ClassVar[int]
    IN_TRANSIT_TIME_FIELD_NUMBER: _ClassVar[int]
    DELIVERY_SCHEDULE_TIME_FIELD_NUMBER: _ClassVar[int]
    SCHEDULED_DELIVERY_TIME_FIELD_NUMBER: _ClassVar[int]
    DELIVER_TIME_FIELD_NUMBER: _ClassVar[int]
    COMPLETE_TIME_FIELD_NUMBER: _ClassVar[int]
    CANCEL_TIME_FIELD_NUMBER: _ClassVar[int]
    CANCELLATION_REASON_FIELD_NUMBER: _ClassVar[int]
    CANCELLED_BY_FIELD_NUMBER: _ClassVar[int]
    DISPUTE_TIME_FIELD_NUMBER: _ClassVar[int]
    DISPUTE_REASON_FIELD_NUMBER: _ClassVar[int]
    PICKUP_VERIFICATION_FIELD_NUMBER: _ClassVar[int]
    DELIVERY_VERIFICATION_FIELD_NUMBER: _ClassVar[int]
    RECIPIENT_SIGNATURE_URL_FIELD_NUMBER: _ClassVar[int]
    DELIVERY_PHOTO_URL_FIELD_NUMBER: _ClassVar[int]
    DELIVERY_NOTES_FIELD_NUMBER: _ClassVar[int]
    CAPACITY_RELEASE_TIME_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    id: str
    delivery_number: str
    delivery_request_id: str
    offer_id: str
    customer_id: str
    traveler_id: str
    trip_id: str
    status: DeliveryStatus
    final_price: _common_pb2.Money
    special_requests: str
    weight_grams: int
    volume_cm3: int
    items: int
    accept_time: _timestamp_pb2.Timestamp
    pickup_schedule_time: _timestamp_pb2.Timestamp
    scheduled_pickup_time: _timestamp_pb2.Timestamp
    pickup_time: _timestamp_pb2.Timestamp
    in_transit_time: _timestamp_pb2.Timestamp
    delivery_schedule_time: _timestamp_pb2.Timestamp
    scheduled_delivery_time: _timestamp_pb2.Timestamp
    deliver_time: _timestamp_pb2.Timestamp
    complete_time: _timestamp_pb2.Timestamp
    cancel_time: _timestamp_pb2.Timestamp
    cancellation_reason: str
    cancelled_by: str
    dispute_time: _timestamp_pb2.Timestamp
    dispute_reason: str
    pickup_verification: _containers.ScalarMap[str, str]
    delivery_verification: _containers.ScalarMap[str, str]
    recipient_signature_url: str
    delivery_photo_url: str
    delivery_notes: str
    capacity_release_time: _timestamp_pb2.Timestamp
    create_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., delivery_number: _Optional[str] = ..., delivery_request_id: _Optional[str] = ..., offer_id: _Optional[str] = ..., customer_id: _Optional[str] = ..., traveler_id: _Optional[str] = ..., trip_id: _Optional[str] = ..., status: _Optional[_Union[DeliveryStatus, str]] = ..., final_price: _Optional[_Union[_common_pb2.Money, _Mapping]] = ..., special_requests: _Optional[str] = ..., weight_grams: _Optional[int] = ..., volume_cm3: _Optional[int] = ..., items: _Optional[int] = ..., accept_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., pickup_schedule_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., scheduled_pickup_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., pickup_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., in_transit_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., delivery_schedule_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., scheduled_delivery_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., deliver_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., complete_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., cancel_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., cancellation_reason: _Optional[str] = ..., cancelled_by: _Optional[str] = ..., dispute_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., dispute_reason: _Optional[str] = ..., pickup_verification: _Optional[_Mapping[str, str]] = ..., delivery_verification: _Optional[_Mapping[str, str]] = ..., recipient_signature_url: _Optional[str] = ..., delivery_photo_url: _Optional[str] = ..., delivery_notes: _Optional[str] = ..., capacity_release_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class GetDeliveryRequest(_message.Message):
    __slots__ = ("delivery_id",)
    DELIVERY_ID_FIELD_NUMBER: _ClassVar[int]
    delivery_id: str
    def __init__(self, delivery_id: _Optional[str] = ...) -> None: ...

class ListDeliveriesRequest(_message.Message):
    __slots__ = ("role", "statuses", "page_size", "page_token")
    ROLE_FIELD_NUMBER: _ClassVar[int]
    STATUSES_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    role: ParticipantRole
    statuses: _containers.RepeatedScalarFieldContainer[DeliveryStatus]
    page_size: int
    page_token: str
    def __init__(self, role: _Optional[_Union[ParticipantRole, str]] = ..., statuses: _Optional[_Iterable[_Union[DeliveryStatus, str]]] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListDeliveriesResponse(_message.Message):
    __slots__ = ("deliveries", "next_page_token")
    DELIVERIES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    deliveries: _containers.RepeatedCompositeFieldContainer[Delivery]
    next_page_token: str
    def __init__(self, deliveries: _Optional[_Iterable[_Union[Delivery, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class TransitionDeliveryRequest(_message.Message):
    __slots__ = ("delivery_id", "status", "scheduled_time", "proof", "reason")
    DELIVERY_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    SCHEDULED_TIME_FIELD_NUMBER: _ClassVar[int]
    PROOF_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    delivery_id: str
    status: DeliveryStatus
    scheduled_time: _timestamp_pb2.Timestamp
    proof: Proof
    reason: str
    def __init__(self, delivery_id: _Optional[str] = ..., status: _Optional[_Union[DeliveryStatus, str]] = ..., scheduled_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., proof: _Optional[_Union[Proof, _Mapping]] = ..., reason: _Optional[str] = ...) -> None: ...

class HandleTripCancelledRequest(_message.Message):
    __slots__ = ("trip_id", "reason")
    TRIP_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    trip_id: str
    reason: str
    def __init__(self, trip_id: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class HandleTripCancelledResponse(_message.Message):
    __slots__ = ("withdrawn_offers", "cancelled_deliveries", "deliveries_in_progress")
    WITHDRAWN_OFFERS_FIELD_NUMBER: _ClassVar[int]
    CANCELLED_DELIVERIES_FIELD_NUMBER: _ClassVar[int]
    DELIVERIES_IN_PROGRESS_FIELD_NUMBER: _ClassVar[int]
    withdrawn_offers: int
    cancelled_deliveries: int
    deliveries_in_progress: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, withdrawn_offers: _Optional[int] = ..., cancelled_deliveries: _Optional[int] = ..., deliveries_in_progress: _Optional[_Iterable[str]] = ...) -> None: ...
