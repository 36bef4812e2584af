import datetime

from google.api import annotations_pb2 as _annotations_pb2
from google.api import field_behavior_pb2 as _field_behavior_pb2
from google.api import httpbody_pb2 as _httpbody_pb2
from google.protobuf import field_mask_pb2 as _field_mask_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.type import latlng_pb2 as _latlng_pb2
from p2p.auth.v1 import auth_pb2 as _auth_pb2
from p2p.common.v1 import common_pb2 as _common_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class AddressType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ADDRESS_TYPE_UNSPECIFIED: _ClassVar[AddressType]
    ADDRESS_TYPE_HOME: _ClassVar[AddressType]
    ADDRESS_TYPE_WORK: _ClassVar[AddressType]
    ADDRESS_TYPE_OTHER: _ClassVar[AddressType]

class DocumentType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    DOCUMENT_TYPE_UNSPECIFIED: _ClassVar[DocumentType]
    DOCUMENT_TYPE_PASSPORT: _ClassVar[DocumentType]
    DOCUMENT_TYPE_NATIONAL_ID: _ClassVar[DocumentType]
    DOCUMENT_TYPE_DRIVING_LICENSE: _ClassVar[DocumentType]
    DOCUMENT_TYPE_RESIDENCE_PERMIT: _ClassVar[DocumentType]

class DocumentSide(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    DOCUMENT_SIDE_UNSPECIFIED: _ClassVar[DocumentSide]
    DOCUMENT_SIDE_FRONT: _ClassVar[DocumentSide]
    DOCUMENT_SIDE_BACK: _ClassVar[DocumentSide]
    DOCUMENT_SIDE_SELFIE: _ClassVar[DocumentSide]

class VerificationStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    VERIFICATION_STATUS_UNSPECIFIED: _ClassVar[VerificationStatus]
    VERIFICATION_STATUS_INCOMPLETE: _ClassVar[VerificationStatus]
    VERIFICATION_STATUS_PENDING_REVIEW: _ClassVar[VerificationStatus]
    VERIFICATION_STATUS_APPROVED: _ClassVar[VerificationStatus]
    VERIFICATION_STATUS_REJECTED: _ClassVar[VerificationStatus]

class ReviewDecision(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    REVIEW_DECISION_UNSPECIFIED: _ClassVar[ReviewDecision]
    REVIEW_DECISION_APPROVE: _ClassVar[ReviewDecision]
    REVIEW_DECISION_REJECT: _ClassVar[ReviewDecision]

class ReviewStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    REVIEW_STATUS_UNSPECIFIED: _ClassVar[ReviewStatus]
    REVIEW_STATUS_PUBLISHED: _ClassVar[ReviewStatus]
    REVIEW_STATUS_HIDDEN: _ClassVar[ReviewStatus]
    REVIEW_STATUS_REMOVED: _ClassVar[ReviewStatus]

class ModerationStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    MODERATION_STATUS_UNSPECIFIED: _ClassVar[ModerationStatus]
    MODERATION_STATUS_UNMODERATED: _ClassVar[ModerationStatus]
    MODERATION_STATUS_PENDING: _ClassVar[ModerationStatus]
    MODERATION_STATUS_APPROVED: _ClassVar[ModerationStatus]
    MODERATION_STATUS_HIDDEN: _ClassVar[ModerationStatus]
    MODERATION_STATUS_REMOVED: _ClassVar[ModerationStatus]

class ModerationAction(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    MODERATION_ACTION_UNSPECIFIED: _ClassVar[ModerationAction]
    MODERATION_ACTION_APPROVE: _ClassVar[ModerationAction]
    MODERATION_ACTION_HIDE: _ClassVar[ModerationAction]
    MODERATION_ACTION_REMOVE: _ClassVar[ModerationAction]

class ReviewRole(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    REVIEW_ROLE_UNSPECIFIED: _ClassVar[ReviewRole]
    REVIEW_ROLE_RECEIVED: _ClassVar[ReviewRole]
    REVIEW_ROLE_GIVEN: _ClassVar[ReviewRole]

class ReviewReportReason(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    REVIEW_REPORT_REASON_UNSPECIFIED: _ClassVar[ReviewReportReason]
    REVIEW_REPORT_REASON_SPAM: _ClassVar[ReviewReportReason]
    REVIEW_REPORT_REASON_OFFENSIVE: _ClassVar[ReviewReportReason]
    REVIEW_REPORT_REASON_FALSE_INFORMATION: _ClassVar[ReviewReportReason]
    REVIEW_REPORT_REASON_PERSONAL_INFORMATION: _ClassVar[ReviewReportReason]
    REVIEW_REPORT_REASON_CONFLICT_OF_INTEREST: _ClassVar[ReviewReportReason]
    REVIEW_REPORT_REASON_OTHER: _ClassVar[ReviewReportReason]

class ReportStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    REPORT_STATUS_UNSPECIFIED: _ClassVar[ReportStatus]
    REPORT_STATUS_OPEN: _ClassVar[ReportStatus]
    REPORT_STATUS_IN_REVIEW: _ClassVar[ReportStatus]
    REPORT_STATUS_RESOLVED: _ClassVar[ReportStatus]
    REPORT_STATUS_DISMISSED: _ClassVar[ReportStatus]

class BlockReason(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    BLOCK_REASON_UNSPECIFIED: _ClassVar[BlockReason]
    BLOCK_REASON_SPAM: _ClassVar[BlockReason]
    BLOCK_REASON_HARASSMENT: _ClassVar[BlockReason]
    BLOCK_REASON_INAPPROPRIATE_BEHAVIOR: _ClassVar[BlockReason]
    BLOCK_REASON_SAFETY_CONCERN: _ClassVar[BlockReason]
    BLOCK_REASON_NO_SHOW: _ClassVar[BlockReason]
    BLOCK_REASON_OTHER: _ClassVar[BlockReason]

class ReportCategory(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    REPORT_CATEGORY_UNSPECIFIED: _ClassVar[ReportCategory]
    REPORT_CATEGORY_FRAUD: _ClassVar[ReportCategory]
    REPORT_CATEGORY_HARASSMENT: _ClassVar[ReportCategory]
    REPORT_CATEGORY_SAFETY: _ClassVar[ReportCategory]
    REPORT_CATEGORY_NO_SHOW: _ClassVar[ReportCategory]
    REPORT_CATEGORY_INAPPROPRIATE_CONTENT: _ClassVar[ReportCategory]
    REPORT_CATEGORY_FAKE_PROFILE: _ClassVar[ReportCategory]
    REPORT_CATEGORY_PROHIBITED_ITEMS: _ClassVar[ReportCategory]
    REPORT_CATEGORY_OTHER: _ClassVar[ReportCategory]

class PhotoSize(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PHOTO_SIZE_UNSPECIFIED: _ClassVar[PhotoSize]
    PHOTO_SIZE_SMALL: _ClassVar[PhotoSize]
    PHOTO_SIZE_MEDIUM: _ClassVar[PhotoSize]
    PHOTO_SIZE_LARGE: _ClassVar[PhotoSize]
    PHOTO_SIZE_ORIGINAL: _ClassVar[PhotoSize]

class ActivityCategory(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ACTIVITY_CATEGORY_UNSPECIFIED: _ClassVar[ActivityCategory]
    ACTIVITY_CATEGORY_ACCOUNT: _ClassVar[ActivityCategory]
    ACTIVITY_CATEGORY_TRIPS: _ClassVar[ActivityCategory]
    ACTIVITY_CATEGORY_DELIVERIES: _ClassVar[ActivityCategory]
    ACTIVITY_CATEGORY_REVIEWS: _ClassVar[ActivityCategory]

class ActivityKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ACTIVITY_KIND_UNSPECIFIED: _ClassVar[ActivityKind]
    ACTIVITY_KIND_ACCOUNT_REGISTERED: _ClassVar[ActivityKind]
    ACTIVITY_KIND_PHONE_VERIFIED: _ClassVar[ActivityKind]
    ACTIVITY_KIND_IDENTITY_APPROVED: _ClassVar[ActivityKind]
    ACTIVITY_KIND_IDENTITY_REJECTED: _ClassVar[ActivityKind]
    ACTIVITY_KIND_TRIP_COMPLETED: _ClassVar[ActivityKind]
    ACTIVITY_KIND_TRIP_CANCELLED: _ClassVar[ActivityKind]
    ACTIVITY_KIND_DELIVERY_ACCEPTED: _ClassVar[ActivityKind]
    ACTIVITY_KIND_DELIVERY_COMPLETED: _ClassVar[ActivityKind]
    ACTIVITY_KIND_DELIVERY_CANCELLED: _ClassVar[ActivityKind]
    ACTIVITY_KIND_REVIEW_RECEIVED: _ClassVar[ActivityKind]
    ACTIVITY_KIND_REVIEW_WRITTEN: _ClassVar[ActivityKind]

class DeliveryEventType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    DELIVERY_EVENT_TYPE_UNSPECIFIED: _ClassVar[DeliveryEventType]
    DELIVERY_EVENT_TYPE_ACCEPTED: _ClassVar[DeliveryEventType]
    DELIVERY_EVENT_TYPE_COMPLETED: _ClassVar[DeliveryEventType]
    DELIVERY_EVENT_TYPE_CANCELLED: _ClassVar[DeliveryEventType]

class TripEventType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TRIP_EVENT_TYPE_UNSPECIFIED: _ClassVar[TripEventType]
    TRIP_EVENT_TYPE_COMPLETED: _ClassVar[TripEventType]
    TRIP_EVENT_TYPE_CANCELLED: _ClassVar[TripEventType]

class ParticipantRole(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PARTICIPANT_ROLE_UNSPECIFIED: _ClassVar[ParticipantRole]
    PARTICIPANT_ROLE_CUSTOMER: _ClassVar[ParticipantRole]
    PARTICIPANT_ROLE_TRAVELER: _ClassVar[ParticipantRole]

class DistanceUnit(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    DISTANCE_UNIT_UNSPECIFIED: _ClassVar[DistanceUnit]
    DISTANCE_UNIT_METRIC: _ClassVar[DistanceUnit]
    DISTANCE_UNIT_IMPERIAL: _ClassVar[DistanceUnit]

class LocationPrecision(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    LOCATION_PRECISION_UNSPECIFIED: _ClassVar[LocationPrecision]
    LOCATION_PRECISION_EXACT: _ClassVar[LocationPrecision]
    LOCATION_PRECISION_APPROXIMATE: _ClassVar[LocationPrecision]

class PayoutSchedule(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PAYOUT_SCHEDULE_UNSPECIFIED: _ClassVar[PayoutSchedule]
    PAYOUT_SCHEDULE_DAILY: _ClassVar[PayoutSchedule]
    PAYOUT_SCHEDULE_WEEKLY: _ClassVar[PayoutSchedule]
    PAYOUT_SCHEDULE_MONTHLY: _ClassVar[PayoutSchedule]
ADDRESS_TYPE_UNSPECIFIED: AddressType
ADDRESS_TYPE_HOME: AddressType
ADDRESS_TYPE_WORK: AddressType
ADDRESS_TYPE_OTHER: AddressType
DOCUMENT_TYPE_UNSPECIFIED: DocumentType
DOCUMENT_TYPE_PASSPORT: DocumentType
DOCUMENT_TYPE_NATIONAL_ID: DocumentType
DOCUMENT_TYPE_DRIVING_LICENSE: DocumentType
DOCUMENT_TYPE_RESIDENCE_PERMIT: DocumentType
DOCUMENT_SIDE_UNSPECIFIED: DocumentSide
DOCUMENT_SIDE_FRONT: DocumentSide
DOCUMENT_SIDE_BACK: DocumentSide
DOCUMENT_SIDE_SELFIE: DocumentSide
VERIFICATION_STATUS_UNSPECIFIED: VerificationStatus
VERIFICATION_STATUS_INCOMPLETE: VerificationStatus
VERIFICATION_STATUS_PENDING_REVIEW: VerificationStatus
VERIFICATION_STATUS_APPROVED: VerificationStatus
VERIFICATION_STATUS_REJECTED: VerificationStatus
REVIEW_DECISION_UNSPECIFIED: ReviewDecision
REVIEW_DECISION_APPROVE: ReviewDecision
REVIEW_DECISION_REJECT: ReviewDecision
REVIEW_STATUS_UNSPECIFIED: ReviewStatus
REVIEW_STATUS_PUBLISHED: ReviewStatus
REVIEW_STATUS_HIDDEN: ReviewStatus
REVIEW_STATUS_REMOVED: ReviewStatus
MODERATION_STATUS_UNSPECIFIED: ModerationStatus
MODERATION_STATUS_UNMODERATED: ModerationStatus
MODERATION_STATUS_PENDING: ModerationStatus
MODERATION_STATUS_APPROVED: ModerationStatus
MODERATION_STATUS_HIDDEN: ModerationStatus
MODERATION_STATUS_REMOVED: ModerationStatus
MODERATION_ACTION_UNSPECIFIED: ModerationAction
MODERATION_ACTION_APPROVE: ModerationAction
MODERATION_ACTION_HIDE: ModerationAction
MODERATION_ACTION_REMOVE: ModerationAction
REVIEW_ROLE_UNSPECIFIED: ReviewRole
REVIEW_ROLE_RECEIVED: ReviewRole
REVIEW_ROLE_GIVEN: ReviewRole
REVIEW_REPORT_REASON_UNSPECIFIED: ReviewReportReason
REVIEW_REPORT_REASON_SPAM: ReviewReportReason
REVIEW_REPORT_REASON_OFFENSIVE: ReviewReportReason
REVIEW_REPORT_REASON_FALSE_INFORMATION: ReviewReportReason
REVIEW_REPORT_REASON_PERSONAL_INFORMATION: ReviewReportReason
REVIEW_REPORT_REASON_CONFLICT_OF_INTEREST: ReviewReportReason
REVIEW_REPORT_REASON_OTHER: ReviewReportReason
REPORT_STATUS_UNSPECIFIED: ReportStatus
REPORT_STATUS_OPEN: ReportStatus
REPORT_STATUS_IN_REVIEW: ReportStatus
REPORT_STATUS_RESOLVED: ReportStatus
REPORT_STATUS_DISMISSED: ReportStatus
BLOCK_REASON_UNSPECIFIED: BlockReason
BLOCK_REASON_SPAM: BlockReason
BLOCK_REASON_HARASSMENT: BlockReason
BLOCK_REASON_INAPPROPRIATE_BEHAVIOR: BlockReason
BLOCK_REASON_SAFETY_CONCERN: BlockReason
BLOCK_REASON_NO_SHOW: BlockReason
BLOCK_REASON_OTHER: BlockReason
REPORT_CATEGORY_UNSPECIFIED: ReportCategory
REPORT_CATEGORY_FRAUD: ReportCategory
REPORT_CATEGORY_HARASSMENT: ReportCategory
REPORT_CATEGORY_SAFETY: ReportCategory
REPORT_CATEGORY_NO_SHOW: ReportCategory
REPORT_CATEGORY_INAPPROPRIATE_CONTENT: ReportCategory
REPORT_CATEGORY_FAKE_PROFILE: ReportCategory
REPORT_CATEGORY_PROHIBITED_ITEMS: ReportCategory
REPORT_CATEGORY_OTHER: ReportCategory
PHOTO_SIZE_UNSPECIFIED: PhotoSize
PHOTO_SIZE_SMALL: PhotoSize
PHOTO_SIZE_MEDIUM: PhotoSize
PHOTO_SIZE_LARGE: PhotoSize
PHOTO_SIZE_ORIGINAL: PhotoSize
ACTIVITY_CATEGORY_UNSPECIFIED: ActivityCategory
ACTIVITY_CATEGORY_ACCOUNT: ActivityCategory
ACTIVITY_CATEGORY_TRIPS: ActivityCategory
ACTIVITY_CATEGORY_DELIVERIES: ActivityCategory
ACTIVITY_CATEGORY_REVIEWS: ActivityCategory
ACTIVITY_KIND_UNSPECIFIED: ActivityKind
ACTIVITY_KIND_ACCOUNT_REGISTERED: ActivityKind
ACTIVITY_KIND_PHONE_VERIFIED: ActivityKind
ACTIVITY_KIND_IDENTITY_APPROVED: ActivityKind
ACTIVITY_KIND_IDENTITY_REJECTED: ActivityKind
ACTIVITY_KIND_TRIP_COMPLETED: ActivityKind
ACTIVITY_KIND_TRIP_CANCELLED: ActivityKind
ACTIVITY_KIND_DELIVERY_ACCEPTED: ActivityKind
ACTIVITY_KIND_DELIVERY_COMPLETED: ActivityKind
ACTIVITY_KIND_DELIVERY_CANCELLED: ActivityKind
ACTIVITY_KIND_REVIEW_RECEIVED: ActivityKind
ACTIVITY_KIND_REVIEW_WRITTEN: ActivityKind
DELIVERY_EVENT_TYPE_UNSPECIFIED: DeliveryEventType
DELIVERY_EVENT_TYPE_ACCEPTED: DeliveryEventType
DELIVERY_EVENT_TYPE_COMPLETED: DeliveryEventType
DELIVERY_EVENT_TYPE_CANCELLED: DeliveryEventType
TRIP_EVENT_TYPE_UNSPECIFIED: TripEventType
TRIP_EVENT_TYPE_COMPLETED: TripEventType
TRIP_EVENT_TYPE_CANCELLED: TripEventType
PARTICIPANT_ROLE_UNSPECIFIED: ParticipantRole
PARTICIPANT_ROLE_CUSTOMER: ParticipantRole
PARTICIPANT_ROLE_TRAVELER: ParticipantRole
DISTANCE_UNIT_UNSPECIFIED: DistanceUnit
DISTANCE_UNIT_METRIC: DistanceUnit
DISTANCE_UNIT_IMPERIAL: DistanceUnit
LOCATION_PRECISION_UNSPECIFIED: LocationPrecision
LOCATION_PRECISION_EXACT: LocationPrecision
LOCATION_PRECISION_APPROXIMATE: LocationPrecision
PAYOUT_SCHEDULE_UNSPECIFIED: PayoutSchedule
PAYOUT_SCHEDULE_DAILY: PayoutSchedule
PAYOUT_SCHEDULE_WEEKLY: PayoutSchedule
PAYOUT_SCHEDULE_MONTHLY: PayoutSchedule

class PhotoVariant(_message.Message):
    __slots__ = ("size", "width", "height", "content_type", "url")
    SIZE_FIELD_NUMBER: _ClassVar[int]
    WIDTH_FIELD_NUMBER: _ClassVar[int]
    HEIGHT_FIELD_NUMBER: _ClassVar[int]
    CONTENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    URL_FIELD_NUMBER: _ClassVar[int]
    size: PhotoSize
    width: int
    height: int
    content_type: str
    url: str
    def __init__(self, size: _Optional[_Union[PhotoSize, str]] = ..., width: _Optional[int] = ..., height: _Optional[int] = ..., content_type: _Optional[str] = ..., url: _Optional[str] = ...) -> None: ...

class ProfilePhoto(_message.Message):
    __slots__ = ("photo_id", "variants", "update_time")
    PHOTO_ID_FIELD_NUMBER: _ClassVar[int]
    VARIANTS_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    photo_id: str
    variants: _containers.RepeatedCompositeFieldContainer[PhotoVariant]
    update_time: _timestamp_pb2.Timestamp
    def __init__(self, photo_id: _Optional[str] = ..., variants: _Optional[_Iterable[_Union[PhotoVariant, _Mapping]]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class MyProfile(_message.Message):
    __slots__ = ("account", "photo", "phone_verified", "phone_verify_time", "identity_verification_status", "preferences", "statistics", "addresses", "public_profile")
    ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    PHOTO_FIELD_NUMBER: _ClassVar[int]
    PHONE_VERIFIED_FIELD_NUMBER: _ClassVar[int]
    PHONE_VERIFY_TIME_FIELD_NUMBER: _ClassVar[int]
    IDENTITY_VERIFICATION_STATUS_FIELD_NUMBER: _ClassVar[int]
    PREFERENCES_FIELD_NUMBER: _ClassVar[int]
    STATISTICS_FIELD_NUMBER: _ClassVar[int]
    ADDRESSES_FIELD_NUMBER: _ClassVar[int]
    PUBLIC_PROFILE_FIELD_NUMBER: _ClassVar[int]
    account: _auth_pb2.Account
    photo: ProfilePhoto
    phone_verified: bool
    phone_verify_time: _timestamp_pb2.Timestamp
    identity_verification_status: VerificationStatus
    preferences: Preferences
    statistics: UserStatistics
    addresses: _containers.RepeatedCompositeFieldContainer[Address]
    public_profile: PublicProfile
    def __init__(self, account: _Optional[_Union[_auth_pb2.Account, _Mapping]] = ..., photo: _Optional[_Union[ProfilePhoto, _Mapping]] = ..., phone_verified: _Optional[bool] = ..., phone_verify_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., identity_verification_status: _Optional[_Union[VerificationStatus, str]] = ..., preferences: _Optional[_Union[Preferences, _Mapping]] = ..., statistics: _Optional[_Union[UserStatistics, _Mapping]] = ..., addresses: _Optional[_Iterable[_Union[Address, _Mapping]]] = ..., public_profile: _Optional[_Union[PublicProfile, _Mapping]] = ...) -> None: ...

class PublicProfile(_message.Message):
    __slots__ = ("user_id", "display_name", "first_name", "last_initial", "photo", "user_type", "verification_level", "phone_verified", "identity_verified", "average_rating", "rating_count", "total_trips", "total_deliveries", "successful_deliveries", "completion_rate", "member_since_time", "last_active_time", "blocked_by_me")
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    FIRST_NAME_FIELD_NUMBER: _ClassVar[int]
    LAST_INITIAL_FIELD_NUMBER: _ClassVar[int]
    PHOTO_FIELD_NUMBER: _ClassVar[int]
    USER_TYPE_FIELD_NUMBER: _ClassVar[int]
    VERIFICATION_LEVEL_FIELD_NUMBER: _ClassVar[int]
    PHONE_VERIFIED_FIELD_NUMBER: _ClassVar[int]
    IDENTITY_VERIFIED_FIELD_NUMBER: _ClassVar[int]
    AVERAGE_RATING_FIELD_NUMBER: _ClassVar[int]
    RATING_COUNT_FIELD_NUMBER: _ClassVar[int]
    TOTAL_TRIPS_FIELD_NUMBER: _ClassVar[int]
    TOTAL_DELIVERIES_FIELD_NUMBER: _ClassVar[int]
    SUCCESSFUL_DELIVERIES_FIELD_NUMBER: _ClassVar[int]
    COMPLETION_RATE_FIELD_NUMBER: _ClassVar[int]
    MEMBER_SINCE_TIME_FIELD_NUMBER: _ClassVar[int]
    LAST_ACTIVE_TIME_FIELD_NUMBER: _ClassVar[int]
    BLOCKED_BY_ME_FIELD_NUMBER: _ClassVar[int]
    user_id: str
    display_name: str
    first_name: str
    last_initial: str
    photo: ProfilePhoto
    user_type: _auth_pb2.UserType
    verification_level: _auth_pb2.VerificationLevel
    phone_verified: bool
    identity_verified: bool
    average_rating: float
    rating_count: int
    total_trips: int
    total_deliveries: int
    successful_deliveries: int
    completion_rate: float
    member_since_time: _timestamp_pb2.Timestamp
    last_active_time: _timestamp_pb2.Timestamp
    blocked_by_me: bool
    def __init__(self, user_id: _Optional[str] = ..., display_name: _Optional[str] = ..., first_name: _Optional[str] = ..., last_initial: _Optional[str] = ..., photo: _Optional[_Union[ProfilePhoto, _Mapping]] = ..., user_type: _Optional[_Union[_auth_pb2.UserType, str]] = ..., verification_level: _Optional[_Union[_auth_pb2.VerificationLevel, str]] = ..., phone_verified: _Optional[bool] = ..., identity_verified: _Optional[bool] = ..., average_rating: _Optional[float] = ..., rating_count: _Optional[int] = ..., total_trips: _Optional[int] = ..., total_deliveries: _Optional[int] = ..., successful_deliveries: _Optional[int] = ..., completion_rate: _Optional[float] = ..., member_since_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., last_active_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., blocked_by_me: _Optional[bool] = ...) -> None: ...

class Address(_message.Message):
    __slots__ = ("id", "type", "label", "street", "city", "state", "postal_code", "country", "location", "is_default", "geocoded", "create_time", "update_time")
    ID_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    STREET_FIELD_NUMBER: _ClassVar[int]
    CITY_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    POSTAL_CODE_FIELD_NUMBER: _ClassVar[int]
    COUNTRY_FIELD_NUMBER: _ClassVar[int]
    LOCATION_FIELD_NUMBER: _ClassVar[int]
    IS_DEFAULT_FIELD_NUMBER: _ClassVar[int]
    GEOCODED_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    id: str
    type: AddressType
    label: str
    street: str
    city: str
    state: str
    postal_code: str
    country: str
    location: _latlng_pb2.LatLng
    is_default: bool
    geocoded: bool
    create_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., type: _Optional[_Union[AddressType, str]] = ..., label: _Optional[str] = ..., street: _Optional[str] = ..., city: _Optional[str] = ..., state: _Optional[str] = ..., postal_code: _Optional[str] = ..., country: _Optional[str] = ..., location: _Optional[_Union[_latlng_pb2.LatLng, _Mapping]] = ..., is_default: _Optional[bool] = ..., geocoded: _Optional[bool] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ChannelSettings(_message.Message):
    __slots__ = ("enabled", "delivery_updates", "offers", "messages", "reviews", "promotions")
    ENABLED_FIELD_NUMBER: _ClassVar[int]
    DELIVERY_UPDATES_FIELD_NUMBER: _ClassVar[int]
    OFFERS_FIELD_NUMBER: _ClassVar[int]
    MESSAGES_FIELD_NUMBER: _ClassVar[int]
    REVIEWS_FIELD_NUMBER: _ClassVar[int]
    PROMOTIONS_FIELD_NUMBER: _ClassVar[int]
    enabled: bool
    delivery_updates: bool
    offers: bool
    messages: bool
    reviews: bool
    promotions: bool
    def __init__(self, enabled: _Optional[bool] = ..., delivery_updates: _Optional[bool] = ..., offers: _Optional[bool] = ..., messages: _Optional[bool] = ..., reviews: _Optional[bool] = ..., promotions: _Optional[bool] = ...) -> None: ...

class QuietHours(_message.Message):
    __slots__ = ("enabled", "start_time", "end_time", "timezone")
    ENABLED_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    TIMEZONE_FIELD_NUMBER: _ClassVar[int]
    enabled: bool
    start_time: str
    end_time: str
    timezone: str
    def __init__(self, enabled: _Optional[bool] = ..., start_time: _Optional[str] = ..., end_time: _Optional[str] = ..., timezone: _Optional[str] = ...) -> None: ...

class NotificationSettings(_message.Message):
    __slots__ = ("email", "push", "sms", "quiet_hours")
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    PUSH_FIELD_NUMBER: _ClassVar[int]
    SMS_FIELD_NUMBER: _ClassVar[int]
    QUIET_HOURS_FIELD_NUMBER: _ClassVar[int]
    email: ChannelSettings
    push: ChannelSettings
    sms: ChannelSettings
    quiet_hours: QuietHours
    def __init__(self, email: _Optional[_Union[ChannelSettings, _Mapping]] = ..., push: _Optional[_Union[ChannelSettings, _Mapping]] = ..., sms: _Optional[_Union[ChannelSettings, _Mapping]] = ..., quiet_hours: _Optional[_Union[QuietHours, _Mapping]] = ...) -> None: ...

class PrivacySettings(_message.Message):
    __slots__ = ("searchable", "show_statistics", "show_last_active")
    SEARCHABLE_FIELD_NUMBER: _ClassVar[int]
    SHOW_STATISTICS_FIELD_NUMBER: _ClassVar[int]
    SHOW_LAST_ACTIVE_FIELD_NUMBER: _ClassVar[int]
    searchable: bool
    show_statistics: bool
    show_last_active: bool
    def __init__(self, searchable: _Optional[bool] = ..., show_statistics: _Optional[bool] = ..., show_last_active: _Optional[bool] = ...) -> None: ...

class LocationSettings(_message.Message):
    __slots__ = ("share_live_location", "precision", "search_radius_km", "distance_unit")
    SHARE_LIVE_LOCATION_FIELD_NUMBER: _ClassVar[int]
    PRECISION_FIELD_NUMBER: _ClassVar[int]
    SEARCH_RADIUS_KM_FIELD_NUMBER: _ClassVar[int]
    DISTANCE_UNIT_FIELD_NUMBER: _ClassVar[int]
    share_live_location: bool
    precision: LocationPrecision
    search_radius_km: int
    distance_unit: DistanceUnit
    def __init__(self, share_live_location: _Optional[bool] = ..., precision: _Optional[_Union[LocationPrecision, str]] = ..., search_radius_km: _Optional[int] = ..., distance_unit: _Optional[_Union[DistanceUnit, str]] = ...) -> None: ...

class PaymentSettings(_message.Message):
    __slots__ = ("payout_schedule", "auto_withdraw", "default_payment_method_id", "receipts_by_email")
    PAYOUT_SCHEDULE_FIELD_NUMBER: _ClassVar[int]
    AUTO_WITHDRAW_FIELD_NUMBER: _ClassVar[int]
    DEFAULT_PAYMENT_METHOD_ID_FIELD_NUMBER: _ClassVar[int]
    RECEIPTS_BY_EMAIL_FIELD_NUMBER: _ClassVar[int]
    payout_schedule: PayoutSchedule
    auto_withdraw: bool
    default_payment_method_id: str
    receipts_by_email: bool
    def __init__(self, payout_schedule: _Optional[_Union[PayoutSchedule, str]] = ..., auto_withdraw: _Optional[bool] = ..., default_payment_method_id: _Optional[str] = ..., receipts_by_email: _Optional[bool] = ...) -> None: ...

class Preferences(_message.Message):
    __slots__ = ("notification_settings", "privacy_settings", "location_settings", "payment_settings", "update_time")
    NOTIFICATION_SETTINGS_FIELD_NUMBER: _ClassVar[int]
    PRIVACY_SETTINGS_FIELD_NUMBER: _ClassVar[int]
    LOCATION_SETTINGS_FIELD_NUMBER: _ClassVar[int]
    PAYMENT_SETTINGS_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    notification_settings: NotificationSettings
    privacy_settings: PrivacySettings
    location_settings: LocationSettings
    payment_settings: PaymentSettings
    update_time: _timestamp_pb2.Timestamp
    def __init__(self, notification_settings: _Optional[_Union[NotificationSettings, _Mapping]] = ..., privacy_settings: _Optional[_Union[PrivacySettings, _Mapping]] = ..., location_settings: _Optional[_Union[LocationSettings, _Mapping]] = ..., payment_settings: _Optional[_Union[PaymentSettings, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class UserStatistics(_message.Message):
    __slots__ = ("user_id", "total_trips", "total_deliveries", "successful_deliveries", "cancelled_deliveries", "total_earnings", "total_spent", "average_rating", "total_ratings", "response_time_minutes", "completion_rate", "last_active_time", "period_start_time", "period_end_time", "includes_money")
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    TOTAL_TRIPS_FIELD_NUMBER: _ClassVar[int]
    TOTAL_DELIVERIES_FIELD_NUMBER: _ClassVar[int]
    SUCCESSFUL_DELIVERIES_FIELD_NUMBER: _ClassVar[int]
    CANCELLED_DELIVERIES_FIELD_NUMBER: _ClassVar[int]
    TOTAL_EARNINGS_FIELD_NUMBER: _ClassVar[int]
    TOTAL_SPENT_FIELD_NUMBER: _ClassVar[int]
    AVERAGE_RATING_FIELD_NUMBER: _ClassVar[int]
    TOTAL_RATINGS_FIELD_NUMBER: _ClassVar[int]
    RESPONSE_TIME_MINUTES_FIELD_NUMBER: _ClassVar[int]
    COMPLETION_RATE_FIELD_NUMBER: _ClassVar[int]
    LAST_ACTIVE_TIME_FIELD_NUMBER: _ClassVar[int]
    PERIOD_START_TIME_FIELD_NUMBER: _ClassVar[int]
    PERIOD_END_TIME_FIELD_NUMBER: _ClassVar[int]
    INCLUDES_MONEY_FIELD_NUMBER: _ClassVar[int]
    user_id: str
    total_trips: int
    total_deliveries: int
    successful_deliveries: int
    cancelled_deliveries: int
    total_earnings: _containers.RepeatedCompositeFieldContainer[_common_pb2.Money]
    total_spent: _containers.RepeatedCompositeFieldContainer[_common_pb2.Money]
    average_rating: float
    total_ratings: int
    response_time_minutes: int
    completion_rate: float
    last_active_time: _timestamp_pb2.Timestamp
    period_start_time: _timestamp_pb2.Timestamp
    period_end_time: _timestamp_pb2.Timestamp
    includes_money: bool
    def __init__(self, user_id: _Optional[str] = ..., total_trips: _Optional[int] = ..., total_deliveries: _Optional[int] = ..., successful_deliveries: _Optional[int] = ..., cancelled_deliveries: _Optional[int] = ..., total_earnings: _Optional[_Iterable[_Union[_common_pb2.Money, _Mapping]]] = ..., total_spent: _Optional[_Iterable[_Union[_common_pb2.Money, _Mapping]]] = ..., average_rating: _Optional[float] = ..., total_ratings: _Optional[int] = ..., response_time_minutes: _Optional[int] = ..., completion_rate: _Optional[float] = ..., last_active_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., period_start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., period_end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., includes_money: _Optional[bool] = ...) -> None: ...

class VerificationDocument(_message.Message):
    __slots__ = ("id", "user_id", "document_type", "status", "uploaded_sides", "missing_sides", "verify_time", "rejection_reason", "create_time", "update_time")
    ID_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    UPLOADED_SIDES_FIELD_NUMBER: _ClassVar[int]
    MISSING_SIDES_FIELD_NUMBER: _ClassVar[int]
    VERIFY_TIME_FIELD_NUMBER: _ClassVar[int]
    REJECTION_REASON_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    id: str
    user_id: str
    document_type: DocumentType
    status: VerificationStatus
    uploaded_sides: _containers.RepeatedScalarFieldContainer[DocumentSide]
    missing_sides: _containers.RepeatedScalarFieldContainer[DocumentSide]
    verify_time: _timestamp_pb2.Timestamp
    rejection_reason: str
    create_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., user_id: _Optional[str] = ..., document_type: _Optional[_Union[DocumentType, str]] = ..., status: _Optional[_Union[VerificationStatus, str]] = ..., uploaded_sides: _Optional[_Iterable[_Union[DocumentSide, str]]] = ..., missing_sides: _Optional[_Iterable[_Union[DocumentSide, str]]] = ..., verify_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., rejection_reason: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class Review(_message.Message):
    __slots__ = ("id", "delivery_id", "reviewer_id", "reviewer_display_name", "reviewee_id", "overall_rating", "communication_rating", "punctuality_rating", "carefulness_rating", "friendliness_rating", "comment", "is_anonymous", "status", "moderation_status", "moderation_notes", "moderate_time", "reviewer_role", "create_time", "update_time")
    ID_FIELD_NUMBER: _ClassVar[int]
    DELIVERY_ID_FIELD_NUMBER: _ClassVar[int]
    REVIEWER_ID_FIELD_NUMBER: _ClassVar[int]
    REVIEWER_DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    REVIEWEE_ID_FIELD_NUMBER: _ClassVar[int]
    OVERALL_RATING_FIELD_NUMBER: _ClassVar[int]
    COMMUNICATION_RATING_FIELD_NUMBER: _ClassVar[int]
    PUNCTUALITY_RATING_FIELD_NUMBER: _ClassVar[int]
    CAREFULNESS_RATING_FIELD_NUMBER: _ClassVar[int]
    FRIENDLINESS_RATING_FIELD_NUMBER: _ClassVar[int]
    COMMENT_FIELD_NUMBER: _ClassVar[int]
    IS_ANONYMOUS_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    MODERATION_STATUS_FIELD_NUMBER: _ClassVar[int]
    MODERATION_NOTES_FIELD_NUMBER: _ClassVar[int]
    MODERATE_TIME_FIELD_NUMBER: _ClassVar[int]
    REVIEWER_ROLE_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    id: str
    delivery_id: str
    reviewer_id: str
    reviewer_display_name: str
    reviewee_id: str
    overall_rating: int
    communication_rating: int
    punctuality_rating: int
    carefulness_rating: int
    friendliness_rating: int
    comment: str
    is_anonymous: bool
    status: ReviewStatus
    moderation_status: ModerationStatus
    moderation_notes: str
    moderate_time: _timestamp_pb2.Timestamp
    reviewer_role: ParticipantRole
    create_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., delivery_id: _Optional[str] = ..., reviewer_id: _Optional[str] = ..., reviewer_display_name: _Optional[str] = ..., reviewee_id: _Optional[str] = ..., overall_rating: _Optional[int] = ..., communication_rating: _Optional[int] = ..., punctuality_rating: _Optional[int] = ..., carefulness_rating: _Optional[int] = ..., friendliness_rating: _Optional[int] = ..., comment: _Optional[str] = ..., is_anonymous: _Optional[bool] = ..., status: _Optional[_Union[ReviewStatus, str]] = ..., moderation_status: _Optional[_Union[ModerationStatus, str]] = ..., moderation_notes: _Optional[str] = ..., moderate_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., reviewer_role: _Optional[_Union[ParticipantRole, str]] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ReviewReport(_message.Message):
    __slots__ = ("id", "review_id", "reporter_id", "reason", "description", "status", "reviewed_by", "review_time", "resolution", "moderation_action", "create_time")
    ID_FIELD_NUMBER: _ClassVar[int]
    REVIEW_ID_FIELD_NUMBER: _ClassVar[int]
    REPORTER_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    REVIEWED_BY_FIELD_NUMBER: _ClassVar[int]
    REVIEW_TIME_FIELD_NUMBER: _ClassVar[int]
    RESOLUTION_FIELD_NUMBER: _ClassVar[int]
    MODERATION_ACTION_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    id: str
    review_id: str
    reporter_id: str
    reason: ReviewReportReason
    description: str
    status: ReportStatus
    reviewed_by: str
    review_time: _timestamp_pb2.Timestamp
    resolution: str
    moderation_action: str
    create_time: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., review_id: _Optional[str] = ..., reporter_id: _Optional[str] = ..., reason: _Optional[_Union[ReviewReportReason, str]] = ..., description: _Optional[str] = ..., status: _Optional[_Union[ReportStatus, str]] = ..., reviewed_by: _Optional[str] = ..., review_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., resolution: _Optional[str] = ..., moderation_action: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class Block(_message.Message):
    __slots__ = ("blocked_user_id", "reason", "comment", "create_time", "blocked_user")
    BLOCKED_USER_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    COMMENT_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    BLOCKED_USER_FIELD_NUMBER: _ClassVar[int]
    blocked_user_id: str
    reason: BlockReason
    comment: str
    create_time: _timestamp_pb2.Timestamp
    blocked_user: PublicProfile
    def __init__(self, blocked_user_id: _Optional[str] = ..., reason: _Optional[_Union[BlockReason, str]] = ..., comment: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., blocked_user: _Optional[_Union[PublicProfile, _Mapping]] = ...) -> None: ...

class BlockRelations(_message.Message):
    __slots__ = ("user_id", "blocked_user_ids", "blocked_by_user_ids")
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    BLOCKED_USER_IDS_FIELD_NUMBER: _ClassVar[int]
    BLOCKED_BY_USER_IDS_FIELD_NUMBER: _ClassVar[int]
    user_id: str
    blocked_user_ids: _containers.RepeatedScalarFieldContainer[str]
    blocked_by_user_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, user_id: _Optional[str] = ..., blocked_user_ids: _Optional[_Iterable[str]] = ..., blocked_by_user_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class Favorite(_message.Message):
    __slots__ = ("traveler_id", "add_time", "traveler")
    TRAVELER_ID_FIELD_NUMBER: _ClassVar[int]
    ADD_TIME_FIELD_NUMBER: _ClassVar[int]
    TRAVELER_FIELD_NUMBER: _ClassVar[int]
    traveler_id: str
    add_time: _timestamp_pb2.Timestamp
    traveler: PublicProfile
    def __init__(self, traveler_id: _Optional[str] = ..., add_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., traveler: _Optional[_Union[PublicProfile, _Mapping]] = ...) -> None: ...

class UserReport(_message.Message):
    __slots__ = ("id", "reporter_id", "reported_user_id", "category", "description", "status", "reviewed_by", "review_time", "resolution", "create_time")
    ID_FIELD_NUMBER: _ClassVar[int]
    REPORTER_ID_FIELD_NUMBER: _ClassVar[int]
    REPORTED_USER_ID_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    REVIEWED_BY_FIELD_NUMBER: _ClassVar[int]
    REVIEW_TIME_FIELD_NUMBER: _ClassVar[int]
    RESOLUTION_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    id: str
    reporter_id: str
    reported_user_id: str
    category: ReportCategory
    description: str
    status: ReportStatus
    reviewed_by: str
    review_time: _timestamp_pb2.Timestamp
    resolution: str
    create_time: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., reporter_id: _Optional[str] = ..., reported_user_id: _Optional[str] = ..., category: _Optional[_Union[ReportCategory, str]] = ..., description: _Optional[str] = ..., status: _Optional[_Union[ReportStatus, str]] = ..., reviewed_by: _Optional[str] = ..., review_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., resolution: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ActivityEvent(_message.Message):
    __slots__ = ("id", "kind", "category", "subject_id", "counterpart_user_id", "summary", "amount", "occur_time")
    ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_ID_FIELD_NUMBER: _ClassVar[int]
    COUNTERPART_USER_ID_FIELD_NUMBER: _ClassVar[int]
    SUMMARY_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    OCCUR_TIME_FIELD_NUMBER: _ClassVar[int]
    id: str
    kind: ActivityKind
    category: ActivityCategory
    subject_id: str
    counterpart_user_id: str
    summary: str
    amount: _common_pb2.Money
    occur_time: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., kind: _Optional[_Union[ActivityKind, str]] = ..., category: _Optional[_Union[ActivityCategory, str]] = ..., subject_id: _Optional[str] = ..., counterpart_user_id: _Optional[str] = ..., summary: _Optional[str] = ..., amount: _Optional[_Union[_common_pb2.Money, _Mapping]] = ..., occur_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class UserRating(_message.Message):
    __slots__ = ("user_id", "average_rating", "rating_count")
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    AVERAGE_RATING_FIELD_NUMBER: _ClassVar[int]
    RATING_COUNT_FIELD_NUMBER: _ClassVar[int]
    user_id: str
    average_rating: float
    rating_count: int
    def __init__(self, user_id: _Optional[str] = ..., average_rating: _Optional[float] = ..., rating_count: _Optional[int] = ...) -> None: ...

class GetMyProfileRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class UpdateMyProfileRequest(_message.Message):
    __slots__ = ("profile", "update_mask")
    PROFILE_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    profile: MyProfile
    update_mask: _field_mask_pb2.FieldMask
    def __init__(self, profile: _Optional[_Union[MyProfile, _Mapping]] = ..., update_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ...) -> None: ...

class DeleteMyAccountRequest(_message.Message):
    __slots__ = ("password", "reason")
    PASSWORD_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    password: str
    reason: str
    def __init__(self, password: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class DeleteMyAccountResponse(_message.Message):
    __slots__ = ("delete_time",)
    DELETE_TIME_FIELD_NUMBER: _ClassVar[int]
    delete_time: _timestamp_pb2.Timestamp
    def __init__(self, delete_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class GetUserProfileRequest(_message.Message):
    __slots__ = ("user_id",)
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    user_id: str
    def __init__(self, user_id: _Optional[str] = ...) -> None: ...

class SearchUsersRequest(_message.Message):
    __slots__ = ("query", "user_type", "min_rating", "page_size", "page_token")
    QUERY_FIELD_NUMBER: _ClassVar[int]
    USER_TYPE_FIELD_NUMBER: _ClassVar[int]
    MIN_RATING_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    query: str
    user_type: _auth_pb2.UserType
    min_rating: float
    page_size: int
    page_token: str
    def __init__(self, query: _Optional[str] = ..., user_type: _Optional[_Union[_auth_pb2.UserType, str]] = ..., min_rating: _Optional[float] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class SearchUsersResponse(_message.Message):
    __slots__ = ("users", "next_page_token")
    USERS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    users: _containers.RepeatedCompositeFieldContainer[PublicProfile]
    next_page_token: str
    def __init__(self, users: _Optional[_Iterable[_Union[PublicProfile, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class UploadMetadata(_message.Message):
    __slots__ = ("filename", "content_type")
    FILENAME_FIELD_NUMBER: _ClassVar[int]
    CONTENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    filename: str
    content_type: str
    def __init__(self, filename: _Optional[str] = ..., content_type: _Optional[str] = ...) -> None: ...

class UploadProfilePhotoRequest(_message.Message):
    __slots__ = ("metadata", "chunk")
    METADATA_FIELD_NUMBER: _ClassVar[int]
    CHUNK_FIELD_NUMBER: _ClassVar[int]
    metadata: UploadMetadata
    chunk: bytes
    def __init__(self, metadata: _Optional[_Union[UploadMetadata, _Mapping]] = ..., chunk: _Optional[bytes] = ...) -> None: ...

class GetProfilePhotoRequest(_message.Message):
    __slots__ = ("user_id", "size", "version")
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    SIZE_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    user_id: str
    size: PhotoSize
    version: str
    def __init__(self, user_id: _Optional[str] = ..., size: _Optional[_Union[PhotoSize, str]] = ..., version: _Optional[str] = ...) -> None: ...

class SendPhoneVerificationRequest(_message.Message):
    __slots__ = ("phone_number", "request_id")
    PHONE_NUMBER_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    phone_number: str
    request_id: str
    def __init__(self, phone_number: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class SendPhoneVerificationResponse(_message.Message):
    __slots__ = ("expire_time", "masked_phone_number")
    EXPIRE_TIME_FIELD_NUMBER: _ClassVar[int]
    MASKED_PHONE_NUMBER_FIELD_NUMBER: _ClassVar[int]
    expire_time: _timestamp_pb2.Timestamp
    masked_phone_number: str
    def __init__(self, expire_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., masked_phone_number: _Optional[str] = ...) -> None: ...

class ConfirmPhoneVerificationRequest(_message.Message):
    __slots__ = ("phone_number", "code")
    PHONE_NUMBER_FIELD_NUMBER: _ClassVar[int]
    CODE_FIELD_NUMBER: _ClassVar[int]
    phone_number: str
    code: str
    def __init__(self, phone_number: _Optional[str] = ..., code: _Optional[str] = ...) -> None: ...

class ConfirmPhoneVerificationResponse(_message.Message):
    __slots__ = ("phone_number", "verify_time", "verification_level")
    PHONE_NUMBER_FIELD_NUMBER: _ClassVar[int]
    VERIFY_TIME_FIELD_NUMBER: _ClassVar[int]
    VERIFICATION_LEVEL_FIELD_NUMBER: _ClassVar[int]
    phone_number: str
    verify_time: _timestamp_pb2.Timestamp
    verification_level: _auth_pb2.VerificationLevel
    def __init__(self, phone_number: _Optional[str] = ..., verify_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., verification_level: _Optional[_Union[_auth_pb2.VerificationLevel, str]] = ...) -> None: ...

class ListMyActivityRequest(_message.Message):
    __slots__ = ("categories", "start_time", "end_time", "page_size", "page_token")
    CATEGORIES_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    categories: _containers.RepeatedScalarFieldContainer[ActivityCategory]
    start_time: _timestamp_pb2.Timestamp
    end_time: _timestamp_pb2.Timestamp
    page_size: int
    page_token: str
    def __init__(self, categories: _Optional[_Iterable[_Union[ActivityCategory, str]]] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListMyActivityResponse(_message.Message):
    __slots__ = ("events", "next_page_token")
    EVENTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    events: _containers.RepeatedCompositeFieldContainer[ActivityEvent]
    next_page_token: str
    def __init__(self, events: _Optional[_Iterable[_Union[ActivityEvent, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class CreateAddressRequest(_message.Message):
    __slots__ = ("address", "request_id")
    ADDRESS_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    address: Address
    request_id: str
    def __init__(self, address: _Optional[_Union[Address, _Mapping]] = ..., request_id: _Optional[str] = ...) -> None: ...

class ListAddressesRequest(_message.Message):
    __slots__ = ("page_size", "page_token")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListAddressesResponse(_message.Message):
    __slots__ = ("addresses", "next_page_token")
    ADDRESSES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    addresses: _containers.RepeatedCompositeFieldContainer[Address]
    next_page_token: str
    def __init__(self, addresses: _Optional[_Iterable[_Union[Address, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class GetAddressRequest(_message.Message):
    __slots__ = ("address_id",)
    ADDRESS_ID_FIELD_NUMBER: _ClassVar[int]
    address_id: str
    def __init__(self, address_id: _Optional[str] = ...) -> None: ...

class UpdateAddressRequest(_message.Message):
    __slots__ = ("address", "update_mask")
    ADDRESS_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    address: Address
    update_mask: _field_mask_pb2.FieldMask
    def __init__(self, address: _Optional[_Union[Address, _Mapping]] = ..., update_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ...) -> None: ...

class DeleteAddressRequest(_message.Message):
    __slots__ = ("address_id",)
    ADDRESS_ID_FIELD_NUMBER: _ClassVar[int]
    address_id: str
    def __init__(self, address_id: _Optional[str] = ...) -> None: ...

class DeleteAddressResponse(_message.Message):
    __slots__ = ("new_default_address_id",)
    NEW_DEFAULT_ADDRESS_ID_FIELD_NUMBER: _ClassVar[int]
    new_default_address_id: str
    def __init__(self, new_default_address_id: _Optional[str] = ...) -> None: ...

class GetPreferencesRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class UpdatePreferencesRequest(_message.Message):
    __slots__ = ("preferences", "update_mask")
    PREFERENCES_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    preferences: Preferences
    update_mask: _field_mask_pb2.FieldMask
    def __init__(self, preferences: _Optional[_Union[Preferences, _Mapping]] = ..., update_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ...) -> None: ...

class GetUserStatisticsRequest(_message.Message):
    __slots__ = ("user_id", "start_time", "end_time")
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    user_id: str
    start_time: _timestamp_pb2.Timestamp
    end_time: _timestamp_pb2.Timestamp
    def __init__(self, user_id: _Optional[str] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class DocumentUploadMetadata(_message.Message):
    __slots__ = ("document_type", "side", "filename", "content_type")
    DOCUMENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    SIDE_FIELD_NUMBER: _ClassVar[int]
    FILENAME_FIELD_NUMBER: _ClassVar[int]
    CONTENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    document_type: DocumentType
    side: DocumentSide
    filename: str
    content_type: str
    def __init__(self, document_type: _Optional[_Union[DocumentType, str]] = ..., side: _Optional[_Union[DocumentSide, str]] = ..., filename: _Optional[str] = ..., content_type: _Optional[str] = ...) -> None: ...

class UploadVerificationDocumentRequest(_message.Message):
    __slots__ = ("metadata", "chunk")
    METADATA_FIELD_NUMBER: _ClassVar[int]
    CHUNK_FIELD_NUMBER: _ClassVar[int]
    metadata: DocumentUploadMetadata
    chunk: bytes
    def __init__(self, metadata: _Optional[_Union[DocumentUploadMetadata, _Mapping]] = ..., chunk: _Optional[bytes] = ...) -> None: ...

class ListMyVerificationDocumentsRequest(_message.Message):
    __slots__ = ("page_size", "page_token")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListVerificationDocumentsRequest(_message.Message):
    __slots__ = ("status", "page_size", "page_token")
    STATUS_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    status: VerificationStatus
    page_size: int
    page_token: str
    def __init__(self, status: _Optional[_Union[VerificationStatus, str]] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListVerificationDocumentsResponse(_message.Message):
    __slots__ = ("documents", "next_page_token")
    DOCUMENTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    documents: _containers.RepeatedCompositeFieldContainer[VerificationDocument]
    next_page_token: str
    def __init__(self, documents: _Optional[_Iterable[_Union[VerificationDocument, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class DownloadVerificationDocumentRequest(_message.Message):
    __slots__ = ("document_id", "side")
    DOCUMENT_ID_FIELD_NUMBER: _ClassVar[int]
    SIDE_FIELD_NUMBER: _ClassVar[int]
    document_id: str
    side: DocumentSide
    def __init__(self, document_id: _Optional[str] = ..., side: _Optional[_Union[DocumentSide, str]] = ...) -> None: ...

class ReviewVerificationDocumentRequest(_message.Message):
    __slots__ = ("document_id", "decision", "reason")
    DOCUMENT_ID_FIELD_NUMBER: _ClassVar[int]
    DECISION_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    document_id: str
    decision: ReviewDecision
    reason: str
    def __init__(self, document_id: _Optional[str] = ..., decision: _Optional[_Union[ReviewDecision, str]] = ..., reason: _Optional[str] = ...) -> None: ...

class CreateReviewRequest(_message.Message):
    __slots__ = ("delivery_id", "overall_rating", "communication_rating", "punctuality_rating", "carefulness_rating", "friendliness_rating", "comment", "is_anonymous", "request_id")
    DELIVERY_ID_FIELD_NUMBER: _ClassVar[int]
    OVERALL_RATING_FIELD_NUMBER: _ClassVar[int]
    COMMUNICATION_RATING_FIELD_NUMBER: _ClassVar[int]
    PUNCTUALITY_RATING_FIELD_NUMBER: _ClassVar[int]
    CAREFULNESS_RATING_FIELD_NUMBER: _ClassVar[int]
    FRIENDLINESS_RATING_FIELD_NUMBER: _ClassVar[int]
    COMMENT_FIELD_NUMBER: _ClassVar[int]
    IS_ANONYMOUS_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    delivery_id: str
    overall_rating: int
    communication_rating: int
    punctuality_rating: int
    carefulness_rating: int
    friendliness_rating: int
    comment: str
    is_anonymous: bool
    request_id: str
    def __init__(self, delivery_id: _Optional[str] = ..., overall_rating: _Optional[int] = ..., communication_rating: _Optional[int] = ..., punctuality_rating: _Optional[int] = ..., carefulness_rating: _Optional[int] = ..., friendliness_rating: _Optional[int] = ..., comment: _Optional[str] = ..., is_anonymous: _Optional[bool] = ..., request_id: _Optional[str] = ...) -> None: ...

class ListUserReviewsRequest(_message.Message):
    __slots__ = ("user_id", "role", "page_size", "page_token", "trip_id")
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    TRIP_ID_FIELD_NUMBER: _ClassVar[int]
    user_id: str
    role: ReviewRole
    page_size: int
    page_token: str
    trip_id: str
    def __init__(self, user_id: _Optional[str] = ..., role: _Optional[_Union[ReviewRole, str]] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., trip_id: _Optional[str] = ...) -> None: ...

class ListUserReviewsResponse(_message.Message):
    __slots__ = ("reviews", "next_page_token", "average_rating", "rating_count")
    REVIEWS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    AVERAGE_RATING_FIELD_NUMBER: _ClassVar[int]
    RATING_COUNT_FIELD_NUMBER: _ClassVar[int]
    reviews: _containers.RepeatedCompositeFieldContainer[Review]
    next_page_token: str
    average_rating: float
    rating_count: int
    def __init__(self, reviews: _Optional[_Iterable[_Union[Review, _Mapping]]] = ..., next_page_token: _Optional[str] = ..., average_rating: _Optional[float] = ..., rating_count: _Optional[int] = ...) -> None: ...

class ReportReviewRequest(_message.Message):
    __slots__ = ("review_id", "reason", "description", "request_id")
    REVIEW_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    review_id: str
    reason: ReviewReportReason
    description: str
    request_id: str
    def __init__(self, review_id: _Optional[str] = ..., reason: _Optional[_Union[ReviewReportReason, str]] = ..., description: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class ListReviewReportsRequest(_message.Message):
    __slots__ = ("status", "page_size", "page_token")
    STATUS_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    status: ReportStatus
    page_size: int
    page_token: str
    def __init__(self, status: _Optional[_Union[ReportStatus, str]] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListReviewReportsResponse(_message.Message):
    __slots__ = ("reports", "next_page_token")
    REPORTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    reports: _containers.RepeatedCompositeFieldContainer[ReviewReport]
    next_page_token: str
    def __init__(self, reports: _Optional[_Iterable[_Union[ReviewReport, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class ModerateReviewRequest(_message.Message):
    __slots__ = ("review_id", "action", "notes")
    REVIEW_ID_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    NOTES_FIELD_NUMBER: _ClassVar[int]
    review_id: str
    action: ModerationAction
    notes: str
    def __init__(self, review_id: _Optional[str] = ..., action: _Optional[_Union[ModerationAction, str]] = ..., notes: _Optional[str] = ...) -> None: ...

class BatchGetRatingsRequest(_message.Message):
    __slots__ = ("user_ids",)
    USER_IDS_FIELD_NUMBER: _ClassVar[int]
    user_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, user_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class BatchGetRatingsResponse(_message.Message):
    __slots__ = ("ratings",)
    RATINGS_FIELD_NUMBER: _ClassVar[int]
    ratings: _containers.RepeatedCompositeFieldContainer[UserRating]
    def __init__(self, ratings: _Optional[_Iterable[_Union[UserRating, _Mapping]]] = ...) -> None: ...

class BlockUserRequest(_message.Message):
    __slots__ = ("user_id", "reason", "comment")
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    COMMENT_FIELD_NUMBER: _ClassVar[int]
    user_id: str
    reason: BlockReason
    comment: str
    def __init__(self, user_id: _Optional[str] = ..., reason: _Optional[_Union[BlockReason, str]] = ..., comment: _Optional[str] = ...) -> None: ...

class UnblockUserRequest(_message.Message):
    __slots__ = ("user_id",)
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    user_id: str
    def __init__(self, user_id: _Optional[str] = ...) -> None: ...

class UnblockUserResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListBlockedUsersRequest(_message.Message):
    __slots__ = ("page_size", "page_token")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListBlockedUsersResponse(_message.Message):
    __slots__ = ("blocks", "next_page_token")
    BLOCKS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    blocks: _containers.RepeatedCompositeFieldContainer[Block]
    next_page_token: str
    def __init__(self, blocks: _Optional[_Iterable[_Union[Block, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class GetBlockRelationsRequest(_message.Message):
    __slots__ = ("user_id", "other_user_ids")
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    OTHER_USER_IDS_FIELD_NUMBER: _ClassVar[int]
    user_id: str
    other_user_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, user_id: _Optional[str] = ..., other_user_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class AddFavoriteRequest(_message.Message):
    __slots__ = ("traveler_id",)
    TRAVELER_ID_FIELD_NUMBER: _ClassVar[int]
    traveler_id: str
    def __init__(self, traveler_id: _Optional[str] = ...) -> None: ...

class ListFavoritesRequest(_message.Message):
    __slots__ = ("page_size", "page_token")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListFavoritesResponse(_message.Message):
    __slots__ = ("favorites", "next_page_token")
    FAVORITES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    favorites: _containers.RepeatedCompositeFieldContainer[Favorite]
    next_page_token: str
    def __init__(self, favorites: _Optional[_Iterable[_Union[Favorite, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class RemoveFavoriteRequest(_message.Message):
    __slots__ = ("traveler_id",)
    TRAVELER_ID_FIELD_NUMBER: _ClassVar[int]
    traveler_id: str
    def __init__(self, traveler_id: _Optional[str] = ...) -> None: ...

class RemoveFavoriteResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ReportUserRequest(_message.Message):
    __slots__ = ("reported_user_id", "category", "description", "request_id")
    REPORTED_USER_ID_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    reported_user_id: str
    category: ReportCategory
    description: str
    request_id: str
    def __init__(self, reported_user_id: _Optional[str] = ..., category: _Optional[_Union[ReportCategory, str]] = ..., description: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class ListUserReportsRequest(_message.Message):
    __slots__ = ("status", "page_size", "page_token")
    STATUS_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    status: ReportStatus
    page_size: int
    page_token: str
    def __init__(self, status: _Optional[_Union[ReportStatus, str]] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListUserReportsResponse(_message.Message):
    __slots__ = ("reports", "next_page_token")
    REPORTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    reports: _containers.RepeatedCompositeFieldContainer[UserReport]
    next_page_token: str
    def __init__(self, reports: _Optional[_Iterable[_Union[UserReport, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class ResolveUserReportRequest(_message.Message):
    __slots__ = ("report_id", "status", "resolution")
    REPORT_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    RESOLUTION_FIELD_NUMBER: _ClassVar[int]
    report_id: str
    status: ReportStatus
    resolution: str
    def __init__(self, report_id: _Optional[str] = ..., status: _Optional[_Union[ReportStatus, str]] = ..., resolution: _Optional[str] = ...) -> None: ...

class HandleUserRegisteredRequest(_message.Message):
    __slots__ = ("event_id", "user_id", "first_name", "last_name", "user_type", "register_time")
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    FIRST_NAME_FIELD_NUMBER: _ClassVar[int]
    LAST_NAME_FIELD_NUMBER: _ClassVar[int]
    USER_TYPE_FIELD_NUMBER: _ClassVar[int]
    REGISTER_TIME_FIELD_NUMBER: _ClassVar[int]
    event_id: str
    user_id: str
    first_name: str
    last_name: str
    user_type: _auth_pb2.UserType
    register_time: _timestamp_pb2.Timestamp
    def __init__(self, event_id: _Optional[str] = ..., user_id: _Optional[str] = ..., first_name: _Optional[str] = ..., last_name: _Optional[str] = ..., user_type: _Optional[_Union[_auth_pb2.UserType, str]] = ..., register_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class HandleUserDeletedRequest(_message.Message):
    __slots__ = ("event_id", "user_id")
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    event_id: str
    user_id: str
    def __init__(self, event_id: _Optional[str] = ..., user_id: _Optional[str] = ...) -> None: ...

class HandleDeliveryEventRequest(_message.Message):
    __slots__ = ("event_id", "type", "delivery_id", "customer_id", "traveler_id", "trip_id", "delivery_request_id", "delivery_number", "price", "occur_time", "cancelled_by", "reason", "traveler_response_seconds")
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    DELIVERY_ID_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    TRAVELER_ID_FIELD_NUMBER: _ClassVar[int]
    TRIP_ID_FIELD_NUMBER: _ClassVar[int]
    DELIVERY_REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    DELIVERY_NUMBER_FIELD_NUMBER: _ClassVar[int]
    PRICE_FIELD_NUMBER: _ClassVar[int]
    OCCUR_TIME_FIELD_NUMBER: _ClassVar[int]
    CANCELLED_BY_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    TRAVELER_RESPONSE_SECONDS_FIELD_NUMBER: _ClassVar[int]
    event_id: str
    type: DeliveryEventType
    delivery_id: str
    customer_id: str
    traveler_id: str
    trip_id: str
    delivery_request_id: str
    delivery_number: str
    price: _common_pb2.Money
    occur_time: _timestamp_pb2.Timestamp
    cancelled_by: str
    reason: str
    traveler_response_seconds: int
    def __init__(self, event_id: _Optional[str] = ..., type: _Optional[_Union[DeliveryEventType, str]] = ..., delivery_id: _Optional[str] = ..., customer_id: _Optional[str] = ..., traveler_id: _Optional[str] = ..., trip_id: _Optional[str] = ..., delivery_request_id: _Optional[str] = ..., delivery_number: _Optional[str] = ..., price: _Optional[_Union[_common_pb2.Money, _Mapping]] = ..., occur_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., cancelled_by: _Optional[str] = ..., reason: _Optional[str] = ..., traveler_response_seconds: _Optional[int] = ...) -> None: ...

class HandleTripEventRequest(_message.Message):
    __slots__ = ("event_id", "type", "trip_id", "traveler_id", "occur_time", "reason")
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    TRIP_ID_FIELD_NUMBER: _ClassVar[int]
    TRAVELER_ID_FIELD_NUMBER: _ClassVar[int]
    OCCUR_TIME_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    event_id: str
    type: TripEventType
    trip_id: str
    traveler_id: str
    occur_time: _timestamp_pb2.Timestamp
    reason: str
    def __init__(self, event_id: _Optional[str] = ..., type: _Optional[_Union[TripEventType, str]] = ..., trip_id: _Optional[str] = ..., traveler_id: _Optional[str] = ..., occur_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., reason: _Optional[str] = ...) -> None: ...

class HandleEventResponse(_message.Message):
    __slots__ = ("duplicate",)
    DUPLICATE_FIELD_NUMBER: _ClassVar[int]
    duplicate: bool
    def __init__(self, duplicate: _Optional[bool] = ...) -> None: ...
