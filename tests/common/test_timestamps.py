"""services/common/timestamps.ts gives the message Timestamp.FromDatetime gives."""
from __future__ import annotations

import datetime as dt

from google.protobuf import timestamp_pb2
from hypothesis import given, strategies as st

from services.common.timestamps import ts


def reference(value: dt.datetime) -> timestamp_pb2.Timestamp:
    t = timestamp_pb2.Timestamp()
    t.FromDatetime(value)
    return t


@given(st.datetimes(min_value=dt.datetime(1, 1, 1), max_value=dt.datetime(9999, 12, 31, 23, 59, 59, 999999),
                    timezones=st.one_of(st.none(), st.just(dt.timezone.utc),
                                        st.builds(lambda m: dt.timezone(dt.timedelta(minutes=m)),
                                                  st.integers(-23 * 60, 23 * 60)))))
def test_same_message_as_from_datetime(value):
    if value.tzinfo is not None and not dt.datetime.min.replace(tzinfo=dt.timezone.utc) + dt.timedelta(days=2) \
            < value < dt.datetime.max.replace(tzinfo=dt.timezone.utc) - dt.timedelta(days=2):
        return  # an offset can push the instant out of datetime's range: FromDatetime cannot take it either
    assert ts(value) == reference(value)


def test_examples():
    assert ts(None) is None
    assert ts(dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)) == timestamp_pb2.Timestamp()
    before = ts(dt.datetime(1969, 12, 31, 23, 59, 59, 500000, tzinfo=dt.timezone.utc))
    assert (before.seconds, before.nanos) == (-1, 500_000_000)       # nanos are never negative
    paris = dt.timezone(dt.timedelta(hours=1))
    assert ts(dt.datetime(2026, 11, 29, 9, 0, tzinfo=paris)) == ts(dt.datetime(2026, 11, 29, 8, 0))
