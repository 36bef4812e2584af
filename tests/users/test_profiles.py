"""Profiles: my profile (auth's account + users' data), updating it (account fields through auth,
preferences here), public profiles (never email, phone or address), search, account deletion."""
from __future__ import annotations

import uuid

import grpc
from google.protobuf import field_mask_pb2, json_format

from p2p.auth.v1 import auth_pb2
from p2p.users.v1 import users_pb2 as pb
from tests.conftest import PASSWORD
from tests.users.conftest import completed_delivery, expect, violations


async def test_my_profile_gathers_auth_account_and_users_data(users, alice, stub):
    me = await users.GetMyProfile(pb.GetMyProfileRequest(), metadata=alice.md)
    assert me.account.id == alice.id and me.account.email == alice.email
    assert me.account.first_name == "Alice" and me.account.user_type == auth_pb2.USER_TYPE_CUSTOMER
    assert me.account.verification_level == auth_pb2.VERIFICATION_LEVEL_EMAIL
    # users' own parts, with their defaults
    assert me.preferences.privacy_settings.searchable is True
    assert me.preferences.notification_settings.email.promotions is False
    assert me.preferences.location_settings.distance_unit == pb.DISTANCE_UNIT_METRIC
    assert me.statistics.user_id == alice.id and me.statistics.total_deliveries == 0
    assert me.statistics.includes_money
    assert not me.HasField("photo") and not me.phone_verified and list(me.addresses) == []
    assert me.public_profile.display_name == "Alice M." and me.public_profile.member_since_time.seconds > 0


async def test_update_my_profile_sends_account_fields_to_auth_and_keeps_preferences(users, alice, stub):
    req = pb.UpdateMyProfileRequest(update_mask=field_mask_pb2.FieldMask(paths=[
        "account.first_name", "account.timezone", "preferences.privacy_settings.show_last_active"]))
    req.profile.account.first_name = "Alicia"
    req.profile.account.timezone = "Europe/Paris"
    req.profile.preferences.privacy_settings.show_last_active = False
    me = await users.UpdateMyProfile(req, metadata=alice.md)
    assert me.account.first_name == "Alicia" and me.account.timezone == "Europe/Paris"
    assert me.preferences.privacy_settings.show_last_active is False
    assert me.preferences.privacy_settings.searchable is True            # not in the mask: unchanged
    acc = await stub.GetAccount(auth_pb2.GetAccountRequest(), metadata=alice.md)
    assert acc.first_name == "Alicia" and acc.timezone == "Europe/Paris"   # auth holds the account
    pub = await users.GetUserProfile(pb.GetUserProfileRequest(user_id=alice.id), metadata=alice.md)
    assert pub.first_name == "Alicia" and not pub.HasField("last_active_time")


async def test_update_my_profile_validation(users, alice, stub):
    # auth's own field violations come back, named as in this request
    req = pb.UpdateMyProfileRequest(update_mask=field_mask_pb2.FieldMask(paths=["account.timezone"]))
    req.profile.account.timezone = "Mars/Olympus"
    err = await expect(grpc.StatusCode.INVALID_ARGUMENT, users.UpdateMyProfile(req, metadata=alice.md))
    assert "profile.account.timezone" in violations(err)
    # paths outside the allowed ones; email and phone change elsewhere
    for path in ("account.email", "account.phone_number", "statistics.total_trips", "addresses", ""):
        req = pb.UpdateMyProfileRequest(update_mask=field_mask_pb2.FieldMask(paths=[path]))
        err = await expect(grpc.StatusCode.INVALID_ARGUMENT, users.UpdateMyProfile(req, metadata=alice.md))
        assert "update_mask" in violations(err)
    # a bad preference value: nothing changes in auth either (checked first)
    req = pb.UpdateMyProfileRequest(update_mask=field_mask_pb2.FieldMask(paths=[
        "account.last_name", "preferences.location_settings.search_radius_km"]))
    req.profile.account.last_name = "Changed"
    req.profile.preferences.location_settings.search_radius_km = 9999
    err = await expect(grpc.StatusCode.INVALID_ARGUMENT, users.UpdateMyProfile(req, metadata=alice.md))
    assert "profile.preferences.location_settings.search_radius_km" in violations(err)
    acc = await stub.GetAccount(auth_pb2.GetAccountRequest(), metadata=alice.md)
    assert acc.last_name == "Martin"


async def test_public_profile_shows_public_fields_only(users, alice, bob, service_md):
    await completed_delivery(users, service_md, alice, bob)
    pub = await users.GetUserProfile(pb.GetUserProfileRequest(user_id=bob.id), metadata=alice.md)
    assert pub.user_id == bob.id and pub.first_name == "Bob" and pub.last_initial == "R"
    assert pub.display_name == "Bob R." and pub.user_type == auth_pb2.USER_TYPE_TRAVELER
    assert pub.verification_level == auth_pb2.VERIFICATION_LEVEL_EMAIL
    assert pub.total_deliveries == 1 and pub.successful_deliveries == 1 and pub.completion_rate == 1.0
    assert pub.member_since_time.seconds > 0
    # never email, phone, address, last name: not even as a field of the message
    fields = set(pb.PublicProfile.DESCRIPTOR.fields_by_name)
    assert not fields & {"email", "phone_number", "last_name", "addresses", "date_of_birth"}
    text = json_format.MessageToJson(pub)
    assert bob.email not in text and "Ray" not in text


async def test_public_profile_of_unknown_or_malformed_user(users, alice):
    await expect(grpc.StatusCode.NOT_FOUND, users.GetUserProfile(
        pb.GetUserProfileRequest(user_id=str(uuid.uuid4())), metadata=alice.md), "USER_NOT_FOUND")
    err = await expect(grpc.StatusCode.INVALID_ARGUMENT, users.GetUserProfile(
        pb.GetUserProfileRequest(user_id="nope"), metadata=alice.md))
    assert "user_id" in violations(err)


async def test_search_by_name_type_and_rating_public_fields_only(users, make_user, service_md, alice):
    tag = uuid.uuid4().hex[:6]
    t1 = await make_user("traveler", first_name=f"Zed{tag}", last_name="One")
    t2 = await make_user("both", first_name=f"Zed{tag}", last_name="Two")
    c1 = await make_user("customer", first_name=f"Zed{tag}", last_name="Three")
    # ratings: t1 gets 5, t2 gets 3
    from tests.users.conftest import completed_delivery as done
    for traveler, stars in ((t1, 5), (t2, 3)):
        did = await done(users, service_md, alice, traveler)
        await users.CreateReview(pb.CreateReviewRequest(delivery_id=did, overall_rating=stars), metadata=alice.md)
    r = await users.SearchUsers(pb.SearchUsersRequest(query=f"zed{tag}"), metadata=alice.md)
    assert [u.user_id for u in r.users] == [t1.id, t2.id, c1.id]          # best rated first
    assert r.users[0].average_rating == 5.0 and r.users[0].rating_count == 1
    r = await users.SearchUsers(pb.SearchUsersRequest(query=f"zed{tag}", user_type=auth_pb2.USER_TYPE_TRAVELER),
                                metadata=alice.md)
    assert [u.user_id for u in r.users] == [t1.id, t2.id]                 # BOTH is a traveler too
    r = await users.SearchUsers(pb.SearchUsersRequest(query=f"zed{tag}", min_rating=4), metadata=alice.md)
    assert [u.user_id for u in r.users] == [t1.id]
    r = await users.SearchUsers(pb.SearchUsersRequest(query=f"ZED{tag} tw"), metadata=alice.md)
    assert [u.user_id for u in r.users] == [t2.id]
    # pages of one, then the end
    seen, token = [], ""
    while True:
        r = await users.SearchUsers(pb.SearchUsersRequest(query=f"zed{tag}", page_size=1, page_token=token),
                                    metadata=alice.md)
        seen += [u.user_id for u in r.users]
        token = r.next_page_token
        if not token:
            break
    assert seen == [t1.id, t2.id, c1.id]
    # a token belongs to its filters
    r = await users.SearchUsers(pb.SearchUsersRequest(query=f"zed{tag}", page_size=1), metadata=alice.md)
    await expect(grpc.StatusCode.INVALID_ARGUMENT, users.SearchUsers(pb.SearchUsersRequest(
        query="other", page_size=1, page_token=r.next_page_token), metadata=alice.md))
    # wildcards in the query are literal
    r = await users.SearchUsers(pb.SearchUsersRequest(query="%"), metadata=alice.md)
    assert all("%" in u.first_name for u in r.users)


async def test_search_leaves_out_unsearchable_and_blocked_users(users, make_user, alice):
    tag = uuid.uuid4().hex[:6]
    hidden = await make_user("traveler", first_name=f"Hid{tag}", last_name="Den")
    blocker = await make_user("traveler", first_name=f"Hid{tag}", last_name="Blocker")
    shown = await make_user("traveler", first_name=f"Hid{tag}", last_name="Shown")
    req = pb.UpdatePreferencesRequest(update_mask=field_mask_pb2.FieldMask(paths=["privacy_settings.searchable"]))
    req.preferences.privacy_settings.searchable = False
    await users.UpdatePreferences(req, metadata=hidden.md)
    await users.BlockUser(pb.BlockUserRequest(user_id=alice.id, reason=pb.BLOCK_REASON_SPAM), metadata=blocker.md)
    r = await users.SearchUsers(pb.SearchUsersRequest(query=f"hid{tag}"), metadata=alice.md)
    assert [u.user_id for u in r.users] == [shown.id]
    # the blocker is invisible to the blocked user, and the other way round the blocked user is
    # shown to the blocker as blocked_by_me
    await expect(grpc.StatusCode.NOT_FOUND, users.GetUserProfile(pb.GetUserProfileRequest(user_id=blocker.id),
                                                                 metadata=alice.md))
    pub = await users.GetUserProfile(pb.GetUserProfileRequest(user_id=alice.id), metadata=blocker.md)
    assert pub.blocked_by_me


async def test_search_validation(users, alice):
    for req, field in ((pb.SearchUsersRequest(min_rating=6), "min_rating"),
                       (pb.SearchUsersRequest(min_rating=float("nan")), "min_rating"),
                       (pb.SearchUsersRequest(page_size=500), "page_size"),
                       (pb.SearchUsersRequest(page_token="garbage"), "page_token"),
                       (pb.SearchUsersRequest(user_type=42), "user_type"),
                       (pb.SearchUsersRequest(query="x" * 101), "query")):
        err = await expect(grpc.StatusCode.INVALID_ARGUMENT, users.SearchUsers(req, metadata=alice.md))
        assert field in violations(err), (field, violations(err))


async def test_delete_my_account_needs_the_password_then_erases_personal_data(users, make_user, usql, stub):
    u = await make_user("customer")
    await users.CreateAddress(pb.CreateAddressRequest(address=pb.Address(
        type=pb.ADDRESS_TYPE_HOME, street="Marienplatz 1", city="München", country="DE")), metadata=u.md)
    await expect(grpc.StatusCode.PERMISSION_DENIED, users.DeleteMyAccount(
        pb.DeleteMyAccountRequest(password="Wrong#Passw0rd"), metadata=u.md), "INVALID_CREDENTIALS")
    assert usql("SELECT count(*) FROM user_addresses WHERE user_id = %s", u.id)[0][0] == 1
    r = await users.DeleteMyAccount(pb.DeleteMyAccountRequest(password=PASSWORD, reason="moving on"), metadata=u.md)
    assert r.delete_time.seconds > 0
    assert usql("SELECT count(*) FROM user_addresses WHERE user_id = %s", u.id)[0][0] == 0
    assert usql("SELECT count(*) FROM user_preferences WHERE user_id = %s", u.id)[0][0] == 0
    assert usql("SELECT first_name IS NULL AND deleted_at IS NOT NULL FROM user_profiles WHERE user_id = %s",
                u.id)[0][0]
    # the account is gone in auth: its sessions ended
    await expect(grpc.StatusCode.UNAUTHENTICATED, stub.GetAccount(auth_pb2.GetAccountRequest(), metadata=u.md))
