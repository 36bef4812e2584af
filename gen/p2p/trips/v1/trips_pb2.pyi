import datetime

from google.api import annotations_pb2 as _annotations_pb2
from google.api import field_behavior_pb2 as _field_behavior_pb2
from google.protobuf import field_mask_pb2 as _field_mask_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.type import latlng_pb2 as _latlng_pb2
from p2p.common.v1 import common_pb2 as _common_pb2
from p2p.users.v1 import users_pb2 as _users_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class TransportType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TRANSPORT_TYPE_UNSPECIFIED: _ClassVar[TransportType]
    TRANSPORT_TYPE_FLIGHT: _ClassVar[TransportType]
    TRANSPORT_TYPE_TRAIN: _ClassVar[TransportType]
    TRANSPORT_TYPE_BUS: _ClassVar[TransportType]
    TRANSPORT_TYPE_CAR: _ClassVar[TransportType]
    TRANSPORT_TYPE_FERRY: _ClassVar[TransportType]
    TRANSPORT_TYPE_OTHER: _ClassVar[TransportType]

class TripStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TRIP_STATUS_UNSPECIFIED: _ClassVar[TripStatus]
    TRIP_STATUS_DRAFT: _ClassVar[TripStatus]
    TRIP_STATUS_PUBLISHED: _ClassVar[TripStatus]
    TRIP_STATUS_IN_PROGRESS: _ClassVar[TripStatus]
    TRIP_STATUS_COMPLETED: _ClassVar[TripStatus]
    TRIP_STATUS_CANCELLED: _ClassVar[TripStatus]

class TripVisibility(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TRIP_VISIBILITY_UNSPECIFIED: _ClassVar[TripVisibility]
    TRIP_VISIBILITY_PUBLIC: _ClassVar[TripVisibility]
    TRIP_VISIBILITY_PRIVATE: _ClassVar[TripVisibility]

class RecurrenceFrequency(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    RECURRENCE_FREQUENCY_UNSPECIFIED: _ClassVar[RecurrenceFrequency]
    RECURRENCE_FREQUENCY_DAILY: _ClassVar[RecurrenceFrequency]
    RECURRENCE_FREQUENCY_WEEKLY: _ClassVar[RecurrenceFrequency]

class CancelScope(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CANCEL_SCOPE_UNSPECIFIED: _ClassVar[CancelScope]
    CANCEL_SCOPE_THIS_TRIP: _ClassVar[CancelScope]
    CANCEL_SCOPE_SERIES: _ClassVar[CancelScope]

class WeatherStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    WEATHER_STATUS_UNSPECIFIED: _ClassVar[WeatherStatus]
    WEATHER_STATUS_AVAILABLE: _ClassVar[WeatherStatus]
    WEATHER_STATUS_PENDING: _ClassVar[WeatherStatus]
    WEATHER_STATUS_UNAVAILABLE: _ClassVar[WeatherStatus]
    WEATHER_STATUS_NOT_YET_AVAILABLE: _ClassVar[WeatherStatus]

class ExportFormat(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    EXPORT_FORMAT_UNSPECIFIED: _ClassVar[ExportFormat]
    EXPORT_FORMAT_JSON: _ClassVar[ExportFormat]
    EXPORT_FORMAT_CSV: _ClassVar[ExportFormat]
    EXPORT_FORMAT_PDF: _ClassVar[ExportFormat]
TRANSPORT_TYPE_UNSPECIFIED: TransportType
TRANSPORT_TYPE_FLIGHT: TransportType
TRANSPORT_TYPE_TRAIN: TransportType
TRANSPORT_TYPE_BUS: TransportType
TRANSPORT_TYPE_CAR: TransportType
TRANSPORT_TYPE_FERRY: TransportType
TRANSPORT_TYPE_OTHER: TransportType
TRIP_STATUS_UNSPECIFIED: TripStatus
TRIP_STATUS_DRAFT: TripStatus
TRIP_STATUS_PUBLISHED: TripStatus
TRIP_STATUS_IN_PROGRESS: TripStatus
TRIP_STATUS_COMPLETED: TripStatus
TRIP_STATUS_CANCELLED: TripStatus
TRIP_VISIBILITY_UNSPECIFIED: TripVisibility
TRIP_VISIBILITY_PUBLIC: TripVisibility
TRIP_VISIBILITY_PRIVATE: TripVisibility
RECURRENCE_FREQUENCY_UNSPECIFIED: RecurrenceFrequency
RECURRENCE_FREQUENCY_DAILY: RecurrenceFrequency
RECURRENCE_FREQUENCY_WEEKLY: RecurrenceFrequency
CANCEL_SCOPE_UNSPECIFIED: CancelScope
CANCEL_SCOPE_THIS_TRIP: CancelScope
CANCEL_SCOPE_SERIES: CancelScope
WEATHER_STATUS_UNSPECIFIED: WeatherStatus
WEATHER_STATUS_AVAILABLE: WeatherStatus
WEATHER_STATUS_PENDING: WeatherStatus
WEATHER_STATUS_UNAVAILABLE: WeatherStatus
WEATHER_STATUS_NOT_YET_AVAILABLE: WeatherStatus
EXPORT_FORMAT_UNSPECIFIED: ExportFormat
EXPORT_FORMAT_JSON: ExportFormat
EXPORT_FORMAT_CSV: ExportFormat
EXPORT_FORMAT_PDF: ExportFormat

class Endpoint(_message.Message):
    __slots__ = ("place", "airport", "terminal", "details")
    PLACE_FIELD_NUMBER: _ClassVar[int]
    AIRPORT_FIELD_NUMBER: _ClassVar[int]
    TERMINAL_FIELD_NUMBER: _ClassVar[int]
    DETAILS_FIELD_NUMBER: _ClassVar[int]
    place: _common_pb2.Place
    airport: str
    terminal: str
    details: str
    def __init__(self, place: _Optional[_Union[_common_pb2.Place, _Mapping]] = ..., airport: _Optional[str] = ..., terminal: _Optional[str] = ..., details: _Optional[str] = ...) -> None: ...

class Capacity(_message.Message):
    __slots__ = ("weight_grams", "volume_cm3", "items")
    WEIGHT_GRAMS_FIELD_NUMBER: _ClassVar[int]
    VOLUME_CM3_FIELD_NUMBER: _ClassVar[int]
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    weight_grams: int
    volume_cm3: int
    items: int
    def __init__(self, weight_grams: _Optional[int] = ..., volume_cm3: _Optional[int] = ..., items: _Optional[int] = ...) -> None: ...

class Pricing(_message.Message):
    __slots__ = ("base_price", "price_per_kg", "price_per_km", "express_multiplier_bp", "fragile_multiplier_bp")
    BASE_PRICE_FIELD_NUMBER: _ClassVar[int]
    PRICE_PER_KG_FIELD_NUMBER: _ClassVar[int]
    PRICE_PER_KM_FIELD_NUMBER: _ClassVar[int]
    EXPRESS_MULTIPLIER_BP_FIELD_NUMBER: _ClassVar[int]
    FRAGILE_MULTIPLIER_BP_FIELD_NUMBER: _ClassVar[int]
    base_price: _common_pb2.Money
    price_per_kg: _common_pb2.Money
    price_per_km: _common_pb2.Money
    express_multiplier_bp: int
    fragile_multiplier_bp: int
    def __init__(self, base_price: _Optional[_Union[_common_pb2.Money, _Mapping]] = ..., price_per_kg: _Optional[_Union[_common_pb2.Money, _Mapping]] = ..., price_per_km: _Optional[_Union[_common_pb2.Money, _Mapping]] = ..., express_multiplier_bp: _Optional[int] = ..., fragile_multiplier_bp: _Optional[int] = ...) -> None: ...

class Restrictions(_message.Message):
    __slots__ = ("accepted_categories", "refused_categories", "max_item_weight_grams", "fragile_ok", "perishable_ok")
    ACCEPTED_CATEGORIES_FIELD_NUMBER: _ClassVar[int]
    REFUSED_CATEGORIES_FIELD_NUMBER: _ClassVar[int]
    MAX_ITEM_WEIGHT_GRAMS_FIELD_NUMBER: _ClassVar[int]
    FRAGILE_OK_FIELD_NUMBER: _ClassVar[int]
    PERISHABLE_OK_FIELD_NUMBER: _ClassVar[int]
    accepted_categories: _containers.RepeatedScalarFieldContainer[str]
    refused_categories: _containers.RepeatedScalarFieldContainer[str]
    max_item_weight_grams: int
    fragile_ok: bool
    perishable_ok: bool
    def __init__(self, accepted_categories: _Optional[_Iterable[str]] = ..., refused_categories: _Optional[_Iterable[str]] = ..., max_item_weight_grams: _Optional[int] = ..., fragile_ok: _Optional[bool] = ..., perishable_ok: _Optional[bool] = ...) -> None: ...

class Preferences(_message.Message):
    __slots__ = ("instant_booking", "meeting_preference", "languages")
    INSTANT_BOOKING_FIELD_NUMBER: _ClassVar[int]
    MEETING_PREFERENCE_FIELD_NUMBER: _ClassVar[int]
    LANGUAGES_FIELD_NUMBER: _ClassVar[int]
    instant_booking: bool
    meeting_preference: str
    languages: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, instant_booking: _Optional[bool] = ..., meeting_preference: _Optional[str] = ..., languages: _Optional[_Iterable[str]] = ...) -> None: ...

class Recurrence(_message.Message):
    __slots__ = ("frequency", "interval", "weekdays", "until", "time_zone")
    FREQUENCY_FIELD_NUMBER: _ClassVar[int]
    INTERVAL_FIELD_NUMBER: _ClassVar[int]
    WEEKDAYS_FIELD_NUMBER: _ClassVar[int]
    UNTIL_FIELD_NUMBER: _ClassVar[int]
    TIME_ZONE_FIELD_NUMBER: _ClassVar[int]
    frequency: RecurrenceFrequency
    interval: int
    weekdays: _containers.RepeatedScalarFieldContainer[int]
    until: _timestamp_pb2.Timestamp
    time_zone: str
    def __init__(self, frequency: _Optional[_Union[RecurrenceFrequency, str]] = ..., interval: _Optional[int] = ..., weekdays: _Optional[_Iterable[int]] = ..., until: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., time_zone: _Optional[str] = ...) -> None: ...

class Trip(_message.Message):
    __slots__ = ("id", "traveler_id", "title", "description", "transport_type", "status", "origin", "destination", "departure_time", "arrival_time", "estimated_duration_minutes", "actual_departure_time", "actual_arrival_time", "capacity", "available", "pricing", "restrictions", "preferences", "recurrence", "parent_trip_id", "visibility", "auto_accept", "auto_accept_price", "tags", "route_distance_meters", "create_time", "update_time", "cancel_time", "cancellation_reason", "last_position", "revised_arrival_time", "is_recurring", "publish_time", "position_update_time", "status_note")
    ID_FIELD_NUMBER: _ClassVar[int]
    TRAVELER_ID_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    TRANSPORT_TYPE_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    ORIGIN_FIELD_NUMBER: _ClassVar[int]
    DESTINATION_FIELD_NUMBER: _ClassVar[int]
    DEPARTURE_TIME_FIELD_NUMBER: _ClassVar[int]
    ARRIVAL_TIME_FIELD_NUMBER: _ClassVar[int]
    ESTIMATED_DURATION_MINUTES_FIELD_NUMBER: _ClassVar[int]
    ACTUAL_DEPARTURE_TIME_FIELD_NUMBER: _ClassVar[int]
    ACTUAL_ARRIVAL_TIME_FIELD_NUMBER: _ClassVar[int]
    CAPACITY_FIELD_NUMBER: _ClassVar[int]
    AVAILABLE_FIELD_NUMBER: _ClassVar[int]
    PRICING_FIELD_NUMBER: _ClassVar[int]
    RESTRICTIONS_FIELD_NUMBER: _ClassVar[int]
    PREFERENCES_FIELD_NUMBER: _ClassVar[int]
    RECURRENCE_FIELD_NUMBER: _ClassVar[int]
    PARENT_TRIP_ID_FIELD_NUMBER: _ClassVar[int]
    VISIBILITY_FIELD_NUMBER: _ClassVar[int]
    AUTO_ACCEPT_FIELD_NUMBER: _ClassVar[int]
    AUTO_ACCEPT_PRICE_FIELD_NUMBER: _ClassVar[int]
    TAGS_FIELD_NUMBER: _ClassVar[int]
    ROUTE_DISTANCE_METERS_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    CANCEL_TIME_FIELD_NUMBER: _ClassVar[int]
    CANCELLATION_REASON_FIELD_NUMBER: _ClassVar[int]
    LAST_POSITION_FIELD_NUMBER: _ClassVar[int]
    REVISED_ARRIVAL_TIME_FIELD_NUMBER: _ClassVar[int]
    IS_RECURRING_FIELD_NUMBER: _ClassVar[int]
    PUBLISH_TIME_FIELD_NUMBER: _ClassVar[int]
    POSITION_UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    STATUS_NOTE_FIELD_NUMBER: _ClassVar[int]
    id: str
    traveler_id: str
    title: str
    description: str
    transport_type: TransportType
    status: TripStatus
    origin: Endpoint
    destination: Endpoint
    departure_time: _timestamp_pb2.Timestamp
    arrival_time: _timestamp_pb2.Timestamp
    estimated_duration_minutes: int
    actual_departure_time: _timestamp_pb2.Timestamp
    actual_arrival_time: _timestamp_pb2.Timestamp
    capacity: Capacity
    available: Capacity
    pricing: Pricing
    restrictions: Restrictions
    preferences: Preferences
    recurrence: Recurrence
    parent_trip_id: str
    visibility: TripVisibility
    auto_accept: bool
    auto_accept_price: _common_pb2.Money
    tags: _containers.RepeatedScalarFieldContainer[str]
    route_distance_meters: int
    create_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    cancel_time: _timestamp_pb2.Timestamp
    cancellation_reason: str
    last_position: _latlng_pb2.LatLng
    revised_arrival_time: _timestamp_pb2.Timestamp
    is_recurring: bool
    publish_time: _timestamp_pb2.Timestamp
    position_update_time: _timestamp_pb2.Timestamp
    status_note: str
    def __init__(self, id: _Optional[str] = ..., traveler_id: _Optional[str] = ..., title: _Optional[str] = ..., description: _Optional[str] = ..., transport_type: _Optional[_Union[TransportType, str]] = ..., status: _Optional[_Union[TripStatus, str]] = ..., origin: _Optional[_Union[Endpoint, _Mapping]] = ..., destination: _Optional[_Union[Endpoint, _Mapping]] = ..., departure_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., arrival_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., estimated_duration_minutes: _Optional[int] = ..., actual_departure_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., actual_arrival_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., capacity: _Optional[_Union[Capacity, _Mapping]] = ..., available: _Optional[_Union[Capacity, _Mapping]] = ..., pricing: _Optional[_Union[Pricing, _Mapping]] = ..., restrictions: _Optional[_Union[Restrictions, _Mapping]] = ..., preferences: _Optional[_Union[Preferences, _Mapping]] = ..., recurrence: _Optional[_Union[Recurrence, _Mapping]] = ..., parent_trip_id: _Optional[str] = ..., visibility: _Optional[_Union[TripVisibility, str]] = ..., auto_accept: _Optional[bool] = ..., auto_accept_price: _Optional[_Union[_common_pb2.Money, _Mapping]] = ..., tags: _Optional[_Iterable[str]] = ..., route_distance_meters: _Optional[int] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., cancel_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., cancellation_reason: _Optional[str] = ..., last_position: _Optional[_Union[_latlng_pb2.LatLng, _Mapping]] = ..., revised_arrival_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., is_recurring: _Optional[bool] = ..., publish_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., position_update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., status_note: _Optional[str] = ...) -> None: ...

class CreateTripRequest(_message.Message):
    __slots__ = ("trip", "publish", "request_id")
    TRIP_FIELD_NUMBER: _ClassVar[int]
    PUBLISH_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    trip: Trip
    publish: bool
    request_id: str
    def __init__(self, trip: _Optional[_Union[Trip, _Mapping]] = ..., publish: _Optional[bool] = ..., request_id: _Optional[str] = ...) -> None: ...

class GetTripRequest(_message.Message):
    __slots__ = ("trip_id", "share_token")
    TRIP_ID_FIELD_NUMBER: _ClassVar[int]
    SHARE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    trip_id: str
    share_token: str
    def __init__(self, trip_id: _Optional[str] = ..., share_token: _Optional[str] = ...) -> None: ...

class ListMyTripsRequest(_message.Message):
    __slots__ = ("statuses", "page_size", "page_token", "series_id")
    STATUSES_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    SERIES_ID_FIELD_NUMBER: _ClassVar[int]
    statuses: _containers.RepeatedScalarFieldContainer[TripStatus]
    page_size: int
    page_token: str
    series_id: str
    def __init__(self, statuses: _Optional[_Iterable[_Union[TripStatus, str]]] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., series_id: _Optional[str] = ...) -> None: ...

class ListTripsResponse(_message.Message):
    __slots__ = ("trips", "next_page_token")
    TRIPS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    trips: _containers.RepeatedCompositeFieldContainer[Trip]
    next_page_token: str
    def __init__(self, trips: _Optional[_Iterable[_Union[Trip, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class UpdateTripRequest(_message.Message):
    __slots__ = ("trip", "update_mask", "scope")
    TRIP_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    SCOPE_FIELD_NUMBER: _ClassVar[int]
    trip: Trip
    update_mask: _field_mask_pb2.FieldMask
    scope: CancelScope
    def __init__(self, trip: _Optional[_Union[Trip, _Mapping]] = ..., update_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ..., scope: _Optional[_Union[CancelScope, str]] = ...) -> None: ...

class CancelTripRequest(_message.Message):
    __slots__ = ("trip_id", "reason", "scope")
    TRIP_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    SCOPE_FIELD_NUMBER: _ClassVar[int]
    trip_id: str
    reason: str
    scope: CancelScope
    def __init__(self, trip_id: _Optional[str] = ..., reason: _Optional[str] = ..., scope: _Optional[_Union[CancelScope, str]] = ...) -> None: ...

class PublishTripRequest(_message.Message):
    __slots__ = ("trip_id", "scope")
    TRIP_ID_FIELD_NUMBER: _ClassVar[int]
    SCOPE_FIELD_NUMBER: _ClassVar[int]
    trip_id: str
    scope: CancelScope
    def __init__(self, trip_id: _Optional[str] = ..., scope: _Optional[_Union[CancelScope, str]] = ...) -> None: ...

class StartTripRequest(_message.Message):
    __slots__ = ("trip_id", "position", "actual_departure_time")
    TRIP_ID_FIELD_NUMBER: _ClassVar[int]
    POSITION_FIELD_NUMBER: _ClassVar[int]
    ACTUAL_DEPARTURE_TIME_FIELD_NUMBER: _ClassVar[int]
    trip_id: str
    position: _latlng_pb2.LatLng
    actual_departure_time: _timestamp_pb2.Timestamp
    def __init__(self, trip_id: _Optional[str] = ..., position: _Optional[_Union[_latlng_pb2.LatLng, _Mapping]] = ..., actual_departure_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ReportTripStatusRequest(_message.Message):
    __slots__ = ("trip_id", "position", "revised_arrival_time", "note")
    TRIP_ID_FIELD_NUMBER: _ClassVar[int]
    POSITION_FIELD_NUMBER: _ClassVar[int]
    REVISED_ARRIVAL_TIME_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    trip_id: str
    position: _latlng_pb2.LatLng
    revised_arrival_time: _timestamp_pb2.Timestamp
    note: str
    def __init__(self, trip_id: _Optional[str] = ..., position: _Optional[_Union[_latlng_pb2.LatLng, _Mapping]] = ..., revised_arrival_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., note: _Optional[str] = ...) -> None: ...

class CompleteTripRequest(_message.Message):
    __slots__ = ("trip_id", "actual_arrival_time", "position")
    TRIP_ID_FIELD_NUMBER: _ClassVar[int]
    ACTUAL_ARRIVAL_TIME_FIELD_NUMBER: _ClassVar[int]
    POSITION_FIELD_NUMBER: _ClassVar[int]
    trip_id: str
    actual_arrival_time: _timestamp_pb2.Timestamp
    position: _latlng_pb2.LatLng
    def __init__(self, trip_id: _Optional[str] = ..., actual_arrival_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., position: _Optional[_Union[_latlng_pb2.LatLng, _Mapping]] = ...) -> None: ...

class SearchTripsRequest(_message.Message):
    __slots__ = ("origin", "destination", "radius_meters", "depart_after", "depart_before", "min_weight_grams", "transport_type", "page_size", "page_token", "destination_radius_meters", "min_volume_cm3", "min_items", "max_base_price")
    ORIGIN_FIELD_NUMBER: _ClassVar[int]
    DESTINATION_FIELD_NUMBER: _ClassVar[int]
    RADIUS_METERS_FIELD_NUMBER: _ClassVar[int]
    DEPART_AFTER_FIELD_NUMBER: _ClassVar[int]
    DEPART_BEFORE_FIELD_NUMBER: _ClassVar[int]
    MIN_WEIGHT_GRAMS_FIELD_NUMBER: _ClassVar[int]
    TRANSPORT_TYPE_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    DESTINATION_RADIUS_METERS_FIELD_NUMBER: _ClassVar[int]
    MIN_VOLUME_CM3_FIELD_NUMBER: _ClassVar[int]
    MIN_ITEMS_FIELD_NUMBER: _ClassVar[int]
    MAX_BASE_PRICE_FIELD_NUMBER: _ClassVar[int]
    origin: _latlng_pb2.LatLng
    destination: _latlng_pb2.LatLng
    radius_meters: int
    depart_after: _timestamp_pb2.Timestamp
    depart_before: _timestamp_pb2.Timestamp
    min_weight_grams: int
    transport_type: TransportType
    page_size: int
    page_token: str
    destination_radius_meters: int
    min_volume_cm3: int
    min_items: int
    max_base_price: _common_pb2.Money
    def __init__(self, origin: _Optional[_Union[_latlng_pb2.LatLng, _Mapping]] = ..., destination: _Optional[_Union[_latlng_pb2.LatLng, _Mapping]] = ..., radius_meters: _Optional[int] = ..., depart_after: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., depart_before: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., min_weight_grams: _Optional[int] = ..., transport_type: _Optional[_Union[TransportType, str]] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., destination_radius_meters: _Optional[int] = ..., min_volume_cm3: _Optional[int] = ..., min_items: _Optional[int] = ..., max_base_price: _Optional[_Union[_common_pb2.Money, _Mapping]] = ...) -> None: ...

class GetTripAnalyticsRequest(_message.Message):
    __slots__ = ("trip_id",)
    TRIP_ID_FIELD_NUMBER: _ClassVar[int]
    trip_id: str
    def __init__(self, trip_id: _Optional[str] = ...) -> None: ...

class TripEvent(_message.Message):
    __slots__ = ("kind", "time", "detail", "position")
    KIND_FIELD_NUMBER: _ClassVar[int]
    TIME_FIELD_NUMBER: _ClassVar[int]
    DETAIL_FIELD_NUMBER: _ClassVar[int]
    POSITION_FIELD_NUMBER: _ClassVar[int]
    kind: str
    time: _timestamp_pb2.Timestamp
    detail: str
    position: _latlng_pb2.LatLng
    def __init__(self, kind: _Optional[str] = ..., time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., detail: _Optional[str] = ..., position: _Optional[_Union[_latlng_pb2.LatLng, _Mapping]] = ...) -> None: ...

class TripAnalytics(_message.Message):
    __slots__ = ("trip_id", "reservations", "reserved", "weight_utilisation_bp", "estimated_earnings", "timeline", "status", "capacity", "released_reservations")
    TRIP_ID_FIELD_NUMBER: _ClassVar[int]
    RESERVATIONS_FIELD_NUMBER: _ClassVar[int]
    RESERVED_FIELD_NUMBER: _ClassVar[int]
    WEIGHT_UTILISATION_BP_FIELD_NUMBER: _ClassVar[int]
    ESTIMATED_EARNINGS_FIELD_NUMBER: _ClassVar[int]
    TIMELINE_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    CAPACITY_FIELD_NUMBER: _ClassVar[int]
    RELEASED_RESERVATIONS_FIELD_NUMBER: _ClassVar[int]
    trip_id: str
    reservations: int
    reserved: Capacity
    weight_utilisation_bp: int
    estimated_earnings: _common_pb2.Money
    timeline: _containers.RepeatedCompositeFieldContainer[TripEvent]
    status: TripStatus
    capacity: Capacity
    released_reservations: int
    def __init__(self, trip_id: _Optional[str] = ..., reservations: _Optional[int] = ..., reserved: _Optional[_Union[Capacity, _Mapping]] = ..., weight_utilisation_bp: _Optional[int] = ..., estimated_earnings: _Optional[_Union[_common_pb2.Money, _Mapping]] = ..., timeline: _Optional[_Iterable[_Union[TripEvent, _Mapping]]] = ..., status: _Optional[_Union[TripStatus, str]] = ..., capacity: _Optional[_Union[Capacity, _Mapping]] = ..., released_reservations: _Optional[int] = ...) -> None: ...

class ListTripReviewsRequest(_message.Message):
    __slots__ = ("trip_id", "page_size", "page_token")
    TRIP_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    trip_id: str
    page_size: int
    page_token: str
    def __init__(self, trip_id: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListTripReviewsResponse(_message.Message):
    __slots__ = ("next_page_token", "reviews", "average_rating", "rating_count")
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    REVIEWS_FIELD_NUMBER: _ClassVar[int]
    AVERAGE_RATING_FIELD_NUMBER: _ClassVar[int]
    RATING_COUNT_FIELD_NUMBER: _ClassVar[int]
    next_page_token: str
    reviews: _containers.RepeatedCompositeFieldContainer[_users_pb2.Review]
    average_rating: float
    rating_count: int
    def __init__(self, next_page_token: _Optional[str] = ..., reviews: _Optional[_Iterable[_Union[_users_pb2.Review, _Mapping]]] = ..., average_rating: _Optional[float] = ..., rating_count: _Optional[int] = ...) -> None: ...

class ShareTripRequest(_message.Message):
    __slots__ = ("trip_id",)
    TRIP_ID_FIELD_NUMBER: _ClassVar[int]
    trip_id: str
    def __init__(self, trip_id: _Optional[str] = ...) -> None: ...

class ShareTripResponse(_message.Message):
    __slots__ = ("share_url", "deep_link", "qr_code_png", "share_token")
    SHARE_URL_FIELD_NUMBER: _ClassVar[int]
    DEEP_LINK_FIELD_NUMBER: _ClassVar[int]
    QR_CODE_PNG_FIELD_NUMBER: _ClassVar[int]
    SHARE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    share_url: str
    deep_link: str
    qr_code_png: bytes
    share_token: str
    def __init__(self, share_url: _Optional[str] = ..., deep_link: _Optional[str] = ..., qr_code_png: _Optional[bytes] = ..., share_token: _Optional[str] = ...) -> None: ...

class DuplicateTripRequest(_message.Message):
    __slots__ = ("trip_id", "departure_time", "arrival_time", "publish", "request_id")
    TRIP_ID_FIELD_NUMBER: _ClassVar[int]
    DEPARTURE_TIME_FIELD_NUMBER: _ClassVar[int]
    ARRIVAL_TIME_FIELD_NUMBER: _ClassVar[int]
    PUBLISH_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    trip_id: str
    departure_time: _timestamp_pb2.Timestamp
    arrival_time: _timestamp_pb2.Timestamp
    publish: bool
    request_id: str
    def __init__(self, trip_id: _Optional[str] = ..., departure_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., arrival_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., publish: _Optional[bool] = ..., request_id: _Optional[str] = ...) -> None: ...

class TripTemplate(_message.Message):
    __slots__ = ("id", "name", "trip", "usage_count", "last_use_time", "create_time", "update_time")
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    TRIP_FIELD_NUMBER: _ClassVar[int]
    USAGE_COUNT_FIELD_NUMBER: _ClassVar[int]
    LAST_USE_TIME_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    id: str
    name: str
    trip: Trip
    usage_count: int
    last_use_time: _timestamp_pb2.Timestamp
    create_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., name: _Optional[str] = ..., trip: _Optional[_Union[Trip, _Mapping]] = ..., usage_count: _Optional[int] = ..., last_use_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListTripTemplatesRequest(_message.Message):
    __slots__ = ("page_size", "page_token")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListTripTemplatesResponse(_message.Message):
    __slots__ = ("templates", "next_page_token")
    TEMPLATES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    templates: _containers.RepeatedCompositeFieldContainer[TripTemplate]
    next_page_token: str
    def __init__(self, templates: _Optional[_Iterable[_Union[TripTemplate, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class CreateTripTemplateRequest(_message.Message):
    __slots__ = ("name", "trip_id", "trip")
    NAME_FIELD_NUMBER: _ClassVar[int]
    TRIP_ID_FIELD_NUMBER: _ClassVar[int]
    TRIP_FIELD_NUMBER: _ClassVar[int]
    name: str
    trip_id: str
    trip: Trip
    def __init__(self, name: _Optional[str] = ..., trip_id: _Optional[str] = ..., trip: _Optional[_Union[Trip, _Mapping]] = ...) -> None: ...

class CreateTripFromTemplateRequest(_message.Message):
    __slots__ = ("template_id", "departure_time", "arrival_time", "publish", "request_id")
    TEMPLATE_ID_FIELD_NUMBER: _ClassVar[int]
    DEPARTURE_TIME_FIELD_NUMBER: _ClassVar[int]
    ARRIVAL_TIME_FIELD_NUMBER: _ClassVar[int]
    PUBLISH_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    template_id: str
    departure_time: _timestamp_pb2.Timestamp
    arrival_time: _timestamp_pb2.Timestamp
    publish: bool
    request_id: str
    def __init__(self, template_id: _Optional[str] = ..., departure_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., arrival_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., publish: _Optional[bool] = ..., request_id: _Optional[str] = ...) -> None: ...

class DeleteTripTemplateRequest(_message.Message):
    __slots__ = ("template_id",)
    TEMPLATE_ID_FIELD_NUMBER: _ClassVar[int]
    template_id: str
    def __init__(self, template_id: _Optional[str] = ...) -> None: ...

class DeleteTripTemplateResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListPopularRoutesRequest(_message.Message):
    __slots__ = ("limit",)
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    limit: int
    def __init__(self, limit: _Optional[int] = ...) -> None: ...

class PopularRoute(_message.Message):
    __slots__ = ("origin", "destination", "origin_address", "destination_address", "trips", "median_base_price")
    ORIGIN_FIELD_NUMBER: _ClassVar[int]
    DESTINATION_FIELD_NUMBER: _ClassVar[int]
    ORIGIN_ADDRESS_FIELD_NUMBER: _ClassVar[int]
    DESTINATION_ADDRESS_FIELD_NUMBER: _ClassVar[int]
    TRIPS_FIELD_NUMBER: _ClassVar[int]
    MEDIAN_BASE_PRICE_FIELD_NUMBER: _ClassVar[int]
    origin: _latlng_pb2.LatLng
    destination: _latlng_pb2.LatLng
    origin_address: str
    destination_address: str
    trips: int
    median_base_price: _common_pb2.Money
    def __init__(self, origin: _Optional[_Union[_latlng_pb2.LatLng, _Mapping]] = ..., destination: _Optional[_Union[_latlng_pb2.LatLng, _Mapping]] = ..., origin_address: _Optional[str] = ..., destination_address: _Optional[str] = ..., trips: _Optional[int] = ..., median_base_price: _Optional[_Union[_common_pb2.Money, _Mapping]] = ...) -> None: ...

class ListPopularRoutesResponse(_message.Message):
    __slots__ = ("routes",)
    ROUTES_FIELD_NUMBER: _ClassVar[int]
    routes: _containers.RepeatedCompositeFieldContainer[PopularRoute]
    def __init__(self, routes: _Optional[_Iterable[_Union[PopularRoute, _Mapping]]] = ...) -> None: ...

class GetTripRecommendationsRequest(_message.Message):
    __slots__ = ("limit",)
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    limit: int
    def __init__(self, limit: _Optional[int] = ...) -> None: ...

class TripRecommendation(_message.Message):
    __slots__ = ("route", "suggested_weekday", "reason", "suggested_hour", "suggested_departure_time", "own_route")
    ROUTE_FIELD_NUMBER: _ClassVar[int]
    SUGGESTED_WEEKDAY_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    SUGGESTED_HOUR_FIELD_NUMBER: _ClassVar[int]
    SUGGESTED_DEPARTURE_TIME_FIELD_NUMBER: _ClassVar[int]
    OWN_ROUTE_FIELD_NUMBER: _ClassVar[int]
    route: PopularRoute
    suggested_weekday: int
    reason: str
    suggested_hour: int
    suggested_departure_time: _timestamp_pb2.Timestamp
    own_route: bool
    def __init__(self, route: _Optional[_Union[PopularRoute, _Mapping]] = ..., suggested_weekday: _Optional[int] = ..., reason: _Optional[str] = ..., suggested_hour: _Optional[int] = ..., suggested_departure_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., own_route: _Optional[bool] = ...) -> None: ...

class GetTripRecommendationsResponse(_message.Message):
    __slots__ = ("recommendations",)
    RECOMMENDATIONS_FIELD_NUMBER: _ClassVar[int]
    recommendations: _containers.RepeatedCompositeFieldContainer[TripRecommendation]
    def __init__(self, recommendations: _Optional[_Iterable[_Union[TripRecommendation, _Mapping]]] = ...) -> None: ...

class ExportTripRequest(_message.Message):
    __slots__ = ("trip_id", "format")
    TRIP_ID_FIELD_NUMBER: _ClassVar[int]
    FORMAT_FIELD_NUMBER: _ClassVar[int]
    trip_id: str
    format: ExportFormat
    def __init__(self, trip_id: _Optional[str] = ..., format: _Optional[_Union[ExportFormat, str]] = ...) -> None: ...

class ExportTripResponse(_message.Message):
    __slots__ = ("content_type", "filename", "content")
    CONTENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    FILENAME_FIELD_NUMBER: _ClassVar[int]
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    content_type: str
    filename: str
    content: bytes
    def __init__(self, content_type: _Optional[str] = ..., filename: _Optional[str] = ..., content: _Optional[bytes] = ...) -> None: ...

class GetTripWeatherRequest(_message.Message):
    __slots__ = ("trip_id", "refresh", "share_token")
    TRIP_ID_FIELD_NUMBER: _ClassVar[int]
    REFRESH_FIELD_NUMBER: _ClassVar[int]
    SHARE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    trip_id: str
    refresh: bool
    share_token: str
    def __init__(self, trip_id: _Optional[str] = ..., refresh: _Optional[bool] = ..., share_token: _Optional[str] = ...) -> None: ...

class WeatherReport(_message.Message):
    __slots__ = ("temperature_celsius", "precipitation_mm", "wind_speed_kmh", "weather_code", "summary", "time", "max_precipitation_mm", "max_wind_speed_kmh")
    TEMPERATURE_CELSIUS_FIELD_NUMBER: _ClassVar[int]
    PRECIPITATION_MM_FIELD_NUMBER: _ClassVar[int]
    WIND_SPEED_KMH_FIELD_NUMBER: _ClassVar[int]
    WEATHER_CODE_FIELD_NUMBER: _ClassVar[int]
    SUMMARY_FIELD_NUMBER: _ClassVar[int]
    TIME_FIELD_NUMBER: _ClassVar[int]
    MAX_PRECIPITATION_MM_FIELD_NUMBER: _ClassVar[int]
    MAX_WIND_SPEED_KMH_FIELD_NUMBER: _ClassVar[int]
    temperature_celsius: float
    precipitation_mm: float
    wind_speed_kmh: float
    weather_code: int
    summary: str
    time: _timestamp_pb2.Timestamp
    max_precipitation_mm: float
    max_wind_speed_kmh: float
    def __init__(self, temperature_celsius: _Optional[float] = ..., precipitation_mm: _Optional[float] = ..., wind_speed_kmh: _Optional[float] = ..., weather_code: _Optional[int] = ..., summary: _Optional[str] = ..., time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., max_precipitation_mm: _Optional[float] = ..., max_wind_speed_kmh: _Optional[float] = ...) -> None: ...

class TripWeather(_message.Message):
    __slots__ = ("trip_id", "available", "origin", "destination", "travel_conditions", "alerts", "fetch_time", "status", "message", "available_from_time")
    TRIP_ID_FIELD_NUMBER: _ClassVar[int]
    AVAILABLE_FIELD_NUMBER: _ClassVar[int]
    ORIGIN_FIELD_NUMBER: _ClassVar[int]
    DESTINATION_FIELD_NUMBER: _ClassVar[int]
    TRAVEL_CONDITIONS_FIELD_NUMBER: _ClassVar[int]
    ALERTS_FIELD_NUMBER: _ClassVar[int]
    FETCH_TIME_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    AVAILABLE_FROM_TIME_FIELD_NUMBER: _ClassVar[int]
    trip_id: str
    available: bool
    origin: WeatherReport
    destination: WeatherReport
    travel_conditions: str
    alerts: _containers.RepeatedScalarFieldContainer[str]
    fetch_time: _timestamp_pb2.Timestamp
    status: WeatherStatus
    message: str
    available_from_time: _timestamp_pb2.Timestamp
    def __init__(self, trip_id: _Optional[str] = ..., available: _Optional[bool] = ..., origin: _Optional[_Union[WeatherReport, _Mapping]] = ..., destination: _Optional[_Union[WeatherReport, _Mapping]] = ..., travel_conditions: _Optional[str] = ..., alerts: _Optional[_Iterable[str]] = ..., fetch_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., status: _Optional[_Union[WeatherStatus, str]] = ..., message: _Optional[str] = ..., available_from_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class GetTripStatisticsRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class RouteCount(_message.Message):
    __slots__ = ("origin_address", "destination_address", "trips")
    ORIGIN_ADDRESS_FIELD_NUMBER: _ClassVar[int]
    DESTINATION_ADDRESS_FIELD_NUMBER: _ClassVar[int]
    TRIPS_FIELD_NUMBER: _ClassVar[int]
    origin_address: str
    destination_address: str
    trips: int
    def __init__(self, origin_address: _Optional[str] = ..., destination_address: _Optional[str] = ..., trips: _Optional[int] = ...) -> None: ...

class TripStatistics(_message.Message):
    __slots__ = ("total_trips", "published", "in_progress", "completed", "cancelled", "distance_travelled_meters", "top_routes", "draft", "weight_offered_grams")
    TOTAL_TRIPS_FIELD_NUMBER: _ClassVar[int]
    PUBLISHED_FIELD_NUMBER: _ClassVar[int]
    IN_PROGRESS_FIELD_NUMBER: _ClassVar[int]
    COMPLETED_FIELD_NUMBER: _ClassVar[int]
    CANCELLED_FIELD_NUMBER: _ClassVar[int]
    DISTANCE_TRAVELLED_METERS_FIELD_NUMBER: _ClassVar[int]
    TOP_ROUTES_FIELD_NUMBER: _ClassVar[int]
    DRAFT_FIELD_NUMBER: _ClassVar[int]
    WEIGHT_OFFERED_GRAMS_FIELD_NUMBER: _ClassVar[int]
    total_trips: int
    published: int
    in_progress: int
    completed: int
    cancelled: int
    distance_travelled_meters: int
    top_routes: _containers.RepeatedCompositeFieldContainer[RouteCount]
    draft: int
    weight_offered_grams: int
    def __init__(self, total_trips: _Optional[int] = ..., published: _Optional[int] = ..., in_progress: _Optional[int] = ..., completed: _Optional[int] = ..., cancelled: _Optional[int] = ..., distance_travelled_meters: _Optional[int] = ..., top_routes: _Optional[_Iterable[_Union[RouteCount, _Mapping]]] = ..., draft: _Optional[int] = ..., weight_offered_grams: _Optional[int] = ...) -> None: ...

class ReserveCapacityRequest(_message.Message):
    __slots__ = ("trip_id", "delivery_id", "weight_grams", "volume_cm3", "items")
    TRIP_ID_FIELD_NUMBER: _ClassVar[int]
    DELIVERY_ID_FIELD_NUMBER: _ClassVar[int]
    WEIGHT_GRAMS_FIELD_NUMBER: _ClassVar[int]
    VOLUME_CM3_FIELD_NUMBER: _ClassVar[int]
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    trip_id: str
    delivery_id: str
    weight_grams: int
    volume_cm3: int
    items: int
    def __init__(self, trip_id: _Optional[str] = ..., delivery_id: _Optional[str] = ..., weight_grams: _Optional[int] = ..., volume_cm3: _Optional[int] = ..., items: _Optional[int] = ...) -> None: ...

class ReleaseCapacityRequest(_message.Message):
    __slots__ = ("trip_id", "delivery_id")
    TRIP_ID_FIELD_NUMBER: _ClassVar[int]
    DELIVERY_ID_FIELD_NUMBER: _ClassVar[int]
    trip_id: str
    delivery_id: str
    def __init__(self, trip_id: _Optional[str] = ..., delivery_id: _Optional[str] = ...) -> None: ...

class CapacityReservation(_message.Message):
    __slots__ = ("trip_id", "delivery_id", "released", "available_weight_grams", "available_volume_cm3", "available_items")
    TRIP_ID_FIELD_NUMBER: _ClassVar[int]
    DELIVERY_ID_FIELD_NUMBER: _ClassVar[int]
    RELEASED_FIELD_NUMBER: _ClassVar[int]
    AVAILABLE_WEIGHT_GRAMS_FIELD_NUMBER: _ClassVar[int]
    AVAILABLE_VOLUME_CM3_FIELD_NUMBER: _ClassVar[int]
    AVAILABLE_ITEMS_FIELD_NUMBER: _ClassVar[int]
    trip_id: str
    delivery_id: str
    released: bool
    available_weight_grams: int
    available_volume_cm3: int
    available_items: int
    def __init__(self, trip_id: _Optional[str] = ..., delivery_id: _Optional[str] = ..., released: _Optional[bool] = ..., available_weight_grams: _Optional[int] = ..., available_volume_cm3: _Optional[int] = ..., available_items: _Optional[int] = ...) -> None: ...

class MatchTripsRequest(_message.Message):
    __slots__ = ("pickup", "dropoff", "pickup_window_start", "pickup_window_end", "delivery_window_start", "delivery_window_end", "weight_grams", "volume_cm3", "items", "max_detour_meters", "exclude_traveler_ids", "item_category", "page_size")
    PICKUP_FIELD_NUMBER: _ClassVar[int]
    DROPOFF_FIELD_NUMBER: _ClassVar[int]
    PICKUP_WINDOW_START_FIELD_NUMBER: _ClassVar[int]
    PICKUP_WINDOW_END_FIELD_NUMBER: _ClassVar[int]
    DELIVERY_WINDOW_START_FIELD_NUMBER: _ClassVar[int]
    DELIVERY_WINDOW_END_FIELD_NUMBER: _ClassVar[int]
    WEIGHT_GRAMS_FIELD_NUMBER: _ClassVar[int]
    VOLUME_CM3_FIELD_NUMBER: _ClassVar[int]
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    MAX_DETOUR_METERS_FIELD_NUMBER: _ClassVar[int]
    EXCLUDE_TRAVELER_IDS_FIELD_NUMBER: _ClassVar[int]
    ITEM_CATEGORY_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    pickup: _latlng_pb2.LatLng
    dropoff: _latlng_pb2.LatLng
    pickup_window_start: _timestamp_pb2.Timestamp
    pickup_window_end: _timestamp_pb2.Timestamp
    delivery_window_start: _timestamp_pb2.Timestamp
    delivery_window_end: _timestamp_pb2.Timestamp
    weight_grams: int
    volume_cm3: int
    items: int
    max_detour_meters: int
    exclude_traveler_ids: _containers.RepeatedScalarFieldContainer[str]
    item_category: str
    page_size: int
    def __init__(self, pickup: _Optional[_Union[_latlng_pb2.LatLng, _Mapping]] = ..., dropoff: _Optional[_Union[_latlng_pb2.LatLng, _Mapping]] = ..., pickup_window_start: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., pickup_window_end: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., delivery_window_start: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., delivery_window_end: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., weight_grams: _Optional[int] = ..., volume_cm3: _Optional[int] = ..., items: _Optional[int] = ..., max_detour_meters: _Optional[int] = ..., exclude_traveler_ids: _Optional[_Iterable[str]] = ..., item_category: _Optional[str] = ..., page_size: _Optional[int] = ...) -> None: ...

class TripMatch(_message.Message):
    __slots__ = ("trip", "pickup_detour_meters", "dropoff_detour_meters", "pickup_fraction", "dropoff_fraction")
    TRIP_FIELD_NUMBER: _ClassVar[int]
    PICKUP_DETOUR_METERS_FIELD_NUMBER: _ClassVar[int]
    DROPOFF_DETOUR_METERS_FIELD_NUMBER: _ClassVar[int]
    PICKUP_FRACTION_FIELD_NUMBER: _ClassVar[int]
    DROPOFF_FRACTION_FIELD_NUMBER: _ClassVar[int]
    trip: Trip
    pickup_detour_meters: int
    dropoff_detour_meters: int
    pickup_fraction: float
    dropoff_fraction: float
    def __init__(self, trip: _Optional[_Union[Trip, _Mapping]] = ..., pickup_detour_meters: _Optional[int] = ..., dropoff_detour_meters: _Optional[int] = ..., pickup_fraction: _Optional[float] = ..., dropoff_fraction: _Optional[float] = ...) -> None: ...

class MatchTripsResponse(_message.Message):
    __slots__ = ("matches",)
    MATCHES_FIELD_NUMBER: _ClassVar[int]
    matches: _containers.RepeatedCompositeFieldContainer[TripMatch]
    def __init__(self, matches: _Optional[_Iterable[_Union[TripMatch, _Mapping]]] = ...) -> None: ...
