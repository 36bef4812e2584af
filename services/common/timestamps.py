"""google.protobuf.Timestamp from datetime, for servicers that build many messages.

Timestamp.FromDatetime goes through utctimetuple() and calendar.timegm: ~6 us a call, 3 ms of a
MatchTrips page of 50 trips (10 timestamps each). The arithmetic on a timedelta from the epoch
gives the same message in under 1 us."""
from __future__ import annotations

import datetime as dt

from google.protobuf import timestamp_pb2

_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)


def ts(value: dt.datetime | None) -> timestamp_pb2.Timestamp | None:
    """The Timestamp of `value` (a naive datetime is taken as UTC, as FromDatetime does); None for None."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.timezone.utc)
    d = value - _EPOCH
    return timestamp_pb2.Timestamp(seconds=d.days * 86400 + d.seconds, nanos=d.microseconds * 1000)
