"""Preferences (validated documents with defaults, field-mask updates) and phone verification
(hashed codes through the outbox, expiry, rate limits, the phone set and the level raised in
auth)."""
from __future__ import annotations

import uuid

import grpc
from google.protobuf import field_mask_pb2

from p2p.auth.v1 import auth_pb2
from p2p.users.v1 import users_pb2 as pb
from tests.users.conftest import expect, violations


def mask(*paths: str) -> field_mask_pb2.FieldMask:
    return field_mask_pb2.FieldMask(paths=list(paths))


async def test_defaults_then_field_mask_updates(users, make_user, usql):
    u = await make_user()
    # created at registration (auth's event), with the defaults
    assert usql("SELECT privacy_settings->>'searchable' FROM user_preferences WHERE user_id = %s", u.id) == [("true",)]
    p = await users.GetPreferences(pb.GetPreferencesRequest(), metadata=u.md)
    assert p.notification_settings.push.enabled and not p.notification_settings.sms.offers
    assert p.notification_settings.quiet_hours.start_time == "22:00"
    assert p.location_settings.search_radius_km == 25 and p.payment_settings.payout_schedule == pb.PAYOUT_SCHEDULE_WEEKLY
    req = pb.UpdatePreferencesRequest(update_mask=mask("notification_settings.email.promotions",
                                                       "notification_settings.quiet_hours",
                                                       "location_settings.distance_unit"))
    req.preferences.notification_settings.email.promotions = True
    q = req.preferences.notification_settings.quiet_hours
    q.enabled, q.start_time, q.end_time, q.timezone = True, "23:30", "06:15", "Europe/Paris"
    req.preferences.location_settings.distance_unit = pb.DISTANCE_UNIT_IMPERIAL
    req.preferences.location_settings.search_radius_km = 400          # not in the mask: ignored
    p = await users.UpdatePreferences(req, metadata=u.md)
    assert p.notification_settings.email.promotions and p.notification_settings.email.offers
    assert (q.enabled, q.start_time, q.end_time, q.timezone) == (True, "23:30", "06:15", "Europe/Paris")
    assert p.notification_settings.quiet_hours == q
    assert p.location_settings.distance_unit == pb.DISTANCE_UNIT_IMPERIAL and p.location_settings.search_radius_km == 25
    again = await users.GetPreferences(pb.GetPreferencesRequest(), metadata=u.md)
    assert again == p


async def test_invalid_preferences_are_refused_field_by_field(users, make_user):
    u = await make_user()
    before = await users.GetPreferences(pb.GetPreferencesRequest(), metadata=u.md)
    # a whole section replaced: its unset enums and bad values are refused
    req = pb.UpdatePreferencesRequest(update_mask=mask("location_settings", "notification_settings.quiet_hours",
                                                       "payment_settings.default_payment_method_id"))
    req.preferences.location_settings.search_radius_km = 0
    req.preferences.notification_settings.quiet_hours.start_time = "25:00"
    req.preferences.notification_settings.quiet_hours.timezone = "Nowhere/Land"
    req.preferences.payment_settings.default_payment_method_id = "x" * 101
    err = await expect(grpc.StatusCode.INVALID_ARGUMENT, users.UpdatePreferences(req, metadata=u.md))
    v = violations(err)
    assert {"preferences.location_settings.search_radius_km", "preferences.location_settings.precision",
            "preferences.location_settings.distance_unit", "preferences.notification_settings.quiet_hours.start_time",
            "preferences.notification_settings.quiet_hours.end_time",
            "preferences.notification_settings.quiet_hours.timezone",
            "preferences.payment_settings.default_payment_method_id"} <= set(v)
    for paths in (["privacy_settings.nope"], ["update_time"], [], ["notification_settings.email.enabled.x"]):
        err = await expect(grpc.StatusCode.INVALID_ARGUMENT, users.UpdatePreferences(
            pb.UpdatePreferencesRequest(update_mask=mask(*paths)), metadata=u.md))
        assert "update_mask" in violations(err)
    assert await users.GetPreferences(pb.GetPreferencesRequest(), metadata=u.md) == before


async def test_phone_verification(users, make_user, usql, stub):
    u = await make_user()
    number = f"+3361{uuid.uuid4().int % 10**7:07d}"
    r = await users.SendPhoneVerification(pb.SendPhoneVerificationRequest(phone_number=number), metadata=u.md)
    assert r.masked_phone_number == number[:3] + "*" * (len(number) - 5) + number[-2:] and r.expire_time.seconds
    # the text leaves through the outbox; the code is stored only as a hash
    (code, text), = usql("SELECT payload->>'code', payload->>'text' FROM outbox_events "
                         "WHERE topic = 'users.phone.verification_code' AND payload->>'phone_number' = %s", number)
    assert code in text and len(code) == 6
    stored = usql("SELECT code_hash FROM phone_verifications WHERE user_id = %s", u.id)
    assert len(stored) == 1 and code not in stored[0][0] and len(stored[0][0]) == 64
    wrong = "000000" if code != "000000" else "111111"
    await expect(grpc.StatusCode.INVALID_ARGUMENT, users.ConfirmPhoneVerification(
        pb.ConfirmPhoneVerificationRequest(phone_number=number, code=wrong), metadata=u.md), "PHONE_CODE_INVALID")
    other = "+4915112345678"
    await expect(grpc.StatusCode.INVALID_ARGUMENT, users.ConfirmPhoneVerification(
        pb.ConfirmPhoneVerificationRequest(phone_number=other, code=code), metadata=u.md), "PHONE_CODE_EXPIRED")
    ok = await users.ConfirmPhoneVerification(pb.ConfirmPhoneVerificationRequest(phone_number=number, code=code),
                                              metadata=u.md)
    assert ok.phone_number == number and ok.verification_level == auth_pb2.VERIFICATION_LEVEL_PHONE
    acc = await stub.GetAccount(auth_pb2.GetAccountRequest(), metadata=u.md)
    assert acc.phone_number == number and acc.verification_level == auth_pb2.VERIFICATION_LEVEL_PHONE
    me = await users.GetMyProfile(pb.GetMyProfileRequest(), metadata=u.md)
    assert me.phone_verified and me.phone_verify_time.seconds > 0
    # a code works once
    await expect(grpc.StatusCode.INVALID_ARGUMENT, users.ConfirmPhoneVerification(
        pb.ConfirmPhoneVerificationRequest(phone_number=number, code=code), metadata=u.md), "PHONE_CODE_EXPIRED")
    activity = await users.ListMyActivity(pb.ListMyActivityRequest(categories=[pb.ACTIVITY_CATEGORY_ACCOUNT]),
                                          metadata=u.md)
    assert [e.kind for e in activity.events][:1] == [pb.ACTIVITY_KIND_PHONE_VERIFIED]


async def test_a_new_code_replaces_the_old_and_codes_expire(users, make_user, usql):
    u = await make_user()
    number = "+33612345678"
    await users.SendPhoneVerification(pb.SendPhoneVerificationRequest(phone_number=number), metadata=u.md)
    await users.SendPhoneVerification(pb.SendPhoneVerificationRequest(phone_number=number), metadata=u.md)
    codes = [c for (c,) in usql("SELECT payload->>'code' FROM outbox_events WHERE topic = "
                                "'users.phone.verification_code' AND payload->>'user_id' = %s ORDER BY created_at", u.id)]
    assert len(codes) == 2
    if codes[0] != codes[1]:
        await expect(grpc.StatusCode.INVALID_ARGUMENT, users.ConfirmPhoneVerification(
            pb.ConfirmPhoneVerificationRequest(phone_number=number, code=codes[0]), metadata=u.md))
    usql("UPDATE phone_verifications SET expires_at = now() - interval '1 second' WHERE user_id = %s", u.id)
    await expect(grpc.StatusCode.INVALID_ARGUMENT, users.ConfirmPhoneVerification(
        pb.ConfirmPhoneVerificationRequest(phone_number=number, code=codes[1]), metadata=u.md), "PHONE_CODE_EXPIRED")


async def test_phone_rate_limits_and_validation(users, make_user, usql):
    u = await make_user()
    for i in range(3):
        await users.SendPhoneVerification(pb.SendPhoneVerificationRequest(phone_number=f"+3361234567{i}"),
                                          metadata=u.md)
    err = await expect(grpc.StatusCode.RESOURCE_EXHAUSTED, users.SendPhoneVerification(
        pb.SendPhoneVerificationRequest(phone_number="+33612345679"), metadata=u.md), "RATE_LIMITED")
    assert "retry" in err.details()
    # a repeated request id answers the first result without sending another code
    v = await make_user()
    rid = f"r-{uuid.uuid4()}"
    first = await users.SendPhoneVerification(pb.SendPhoneVerificationRequest(phone_number="+33700000001",
                                                                              request_id=rid), metadata=v.md)
    second = await users.SendPhoneVerification(pb.SendPhoneVerificationRequest(phone_number="+33700000001",
                                                                               request_id=rid), metadata=v.md)
    assert first == second
    assert usql("SELECT count(*) FROM phone_verifications WHERE user_id = %s", v.id)[0][0] == 1
    # wrong codes: five, then refused even with the right one
    (code,) = usql("SELECT payload->>'code' FROM outbox_events WHERE topic = 'users.phone.verification_code' "
                   "AND payload->>'user_id' = %s", v.id)[0]
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(5):
        await expect(grpc.StatusCode.INVALID_ARGUMENT, users.ConfirmPhoneVerification(
            pb.ConfirmPhoneVerificationRequest(phone_number="+33700000001", code=wrong), metadata=v.md))
    await expect(grpc.StatusCode.RESOURCE_EXHAUSTED, users.ConfirmPhoneVerification(
        pb.ConfirmPhoneVerificationRequest(phone_number="+33700000001", code=code), metadata=v.md), "RATE_LIMITED")
    for number in ("0612345678", "+0612345678", "+33 6 12 34 56 78", ""):
        err = await expect(grpc.StatusCode.INVALID_ARGUMENT, users.SendPhoneVerification(
            pb.SendPhoneVerificationRequest(phone_number=number), metadata=v.md))
        assert "phone_number" in violations(err)
    err = await expect(grpc.StatusCode.INVALID_ARGUMENT, users.ConfirmPhoneVerification(
        pb.ConfirmPhoneVerificationRequest(phone_number="+33700000001", code="12ab"), metadata=v.md))
    assert "code" in violations(err)
