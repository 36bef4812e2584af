"""Addresses: CRUD, exactly one default (the database refuses a second), coordinates given or
geocoded by the Nominatim implementation against a local server answering with recorded
Nominatim responses (outages included)."""
from __future__ import annotations

import uuid

import grpc
import psycopg
import pytest
from google.protobuf import field_mask_pb2
from google.type import latlng_pb2

from p2p.users.v1 import users_pb2 as pb
from services.users.geocoding import GeocoderUnavailable, Nominatim
from tests.users.conftest import expect, violations

MARIENPLATZ = (48.137031750000006, 11.575924590567384)      # tests/users/fixtures/nominatim_marienplatz_munich.json


def address(**kw) -> pb.Address:
    fields = dict(type=pb.ADDRESS_TYPE_HOME, label="Home", street="Marienplatz 8", city="München",
                  postal_code="80331", country="DE")
    fields.update(kw)
    return pb.Address(**fields)


def at(lat: float, lng: float) -> latlng_pb2.LatLng:
    return latlng_pb2.LatLng(latitude=lat, longitude=lng)


@pytest.fixture
def geocoder_mode(nominatim):
    yield nominatim
    nominatim.mode = "ok"


async def test_create_geocodes_with_nominatim(users, alice, nominatim):
    before = len(nominatim.requests)
    a = await users.CreateAddress(pb.CreateAddressRequest(address=address()), metadata=alice.md)
    assert (a.location.latitude, a.location.longitude) == pytest.approx(MARIENPLATZ)
    assert a.geocoded and a.is_default and a.type == pb.ADDRESS_TYPE_HOME and a.label == "Home"
    q = nominatim.requests[before]
    assert q["_path"] == "/search" and q["format"] == "jsonv2" and q["city"] == "München"
    assert q["street"] == "Marienplatz 8" and q["postalcode"] == "80331" and q["countrycodes"] == "de"
    assert q["_user_agent"].startswith("p2p-delivery-users")


async def test_given_coordinates_are_kept_and_not_geocoded(users, alice, nominatim):
    before = len(nominatim.requests)
    a = await users.CreateAddress(pb.CreateAddressRequest(address=address(
        city="Nowhere", location=at(52.52, 13.405), type=pb.ADDRESS_TYPE_WORK)), metadata=alice.md)
    assert (a.location.latitude, a.location.longitude) == (52.52, 13.405) and not a.geocoded
    assert len(nominatim.requests) == before


async def test_unknown_address_and_geocoder_outages_store_nothing(users, make_user, usql, geocoder_mode):
    u = await make_user()
    err = await expect(grpc.StatusCode.INVALID_ARGUMENT, users.CreateAddress(
        pb.CreateAddressRequest(address=address(city="Atlantis")), metadata=u.md), "ADDRESS_NOT_LOCATED")
    assert "address.location" in violations(err)
    for mode in ("error", "down", "slow", "garbage"):
        geocoder_mode.mode = mode
        await expect(grpc.StatusCode.UNAVAILABLE, users.CreateAddress(
            pb.CreateAddressRequest(address=address()), metadata=u.md), "GEOCODER_UNAVAILABLE")
    assert usql("SELECT count(*) FROM user_addresses WHERE user_id = %s", u.id)[0][0] == 0
    # with coordinates, an outage does not matter
    a = await users.CreateAddress(pb.CreateAddressRequest(address=address(location=at(1, 2))), metadata=u.md)
    assert a.is_default


async def test_nominatim_client_against_recorded_answers(nominatim):
    n = Nominatim(nominatim.url, timeout=1)
    try:
        loc = await n.geocode(street="", city="Valmiera", country="LV")
        assert (loc.lat, loc.lng) == (57.5389148, 25.4261688) and loc.display_name.startswith("Valmiera")
        assert await n.geocode(street="1 Nowhere Road", city="Nowhere") is None
        nominatim.mode = "error"
        with pytest.raises(GeocoderUnavailable):
            await n.geocode(street="x", city="Valmiera")
    finally:
        nominatim.mode = "ok"
        await n.aclose()


async def test_exactly_one_default(users, make_user, usql, users_db):
    u = await make_user()
    first = await users.CreateAddress(pb.CreateAddressRequest(address=address(location=at(1, 1))), metadata=u.md)
    second = await users.CreateAddress(pb.CreateAddressRequest(address=address(label="Work", location=at(2, 2))),
                                       metadata=u.md)
    assert first.is_default and not second.is_default
    third = await users.CreateAddress(pb.CreateAddressRequest(address=address(label="Mum's", location=at(3, 3),
                                                                              is_default=True)), metadata=u.md)
    assert third.is_default
    listed = await users.ListAddresses(pb.ListAddressesRequest(), metadata=u.md)
    assert [a.id for a in listed.addresses if a.is_default] == [third.id] and listed.addresses[0].id == third.id
    # the database itself refuses a second default
    with pytest.raises(psycopg.errors.UniqueViolation):
        with psycopg.connect(users_db, autocommit=True) as conn:
            conn.execute("UPDATE user_addresses SET is_default = true WHERE id = %s", (first.id,))
    # moving the default with an update
    req = pb.UpdateAddressRequest(address=pb.Address(id=second.id, is_default=True),
                                  update_mask=field_mask_pb2.FieldMask(paths=["is_default"]))
    moved = await users.UpdateAddress(req, metadata=u.md)
    assert moved.is_default
    assert usql("SELECT id::text FROM user_addresses WHERE user_id = %s AND is_default", u.id) == [(second.id,)]
    # is_default can only be set to true
    req = pb.UpdateAddressRequest(address=pb.Address(id=second.id, is_default=False),
                                  update_mask=field_mask_pb2.FieldMask(paths=["is_default"]))
    await expect(grpc.StatusCode.INVALID_ARGUMENT, users.UpdateAddress(req, metadata=u.md))
    # deleting the default promotes the most recent other address
    r = await users.DeleteAddress(pb.DeleteAddressRequest(address_id=second.id), metadata=u.md)
    assert r.new_default_address_id == third.id
    r = await users.DeleteAddress(pb.DeleteAddressRequest(address_id=first.id), metadata=u.md)
    assert r.new_default_address_id == ""
    r = await users.DeleteAddress(pb.DeleteAddressRequest(address_id=third.id), metadata=u.md)
    assert r.new_default_address_id == ""
    assert usql("SELECT count(*) FROM user_addresses WHERE user_id = %s", u.id)[0][0] == 0


async def test_update_regeocodes_a_changed_address(users, alice, nominatim):
    a = await users.CreateAddress(pb.CreateAddressRequest(address=address(location=at(10, 10))), metadata=alice.md)
    req = pb.UpdateAddressRequest(address=pb.Address(id=a.id, city="Valmiera", country="lv", label="Summer"),
                                  update_mask=field_mask_pb2.FieldMask(paths=["city", "country", "label"]))
    b = await users.UpdateAddress(req, metadata=alice.md)
    assert (b.location.latitude, b.location.longitude) == (57.5389148, 25.4261688) and b.geocoded
    assert b.city == "Valmiera" and b.country == "LV" and b.label == "Summer" and b.street == "Marienplatz 8"
    req = pb.UpdateAddressRequest(address=pb.Address(id=a.id, location=at(-33.9, 151.2)),
                                  update_mask=field_mask_pb2.FieldMask(paths=["location"]))
    c = await users.UpdateAddress(req, metadata=alice.md)
    assert (c.location.latitude, c.location.longitude) == (-33.9, 151.2) and not c.geocoded


async def test_addresses_are_private(users, alice, bob):
    a = await users.CreateAddress(pb.CreateAddressRequest(address=address(location=at(1, 1))), metadata=alice.md)
    await expect(grpc.StatusCode.NOT_FOUND, users.GetAddress(pb.GetAddressRequest(address_id=a.id), metadata=bob.md),
                 "ADDRESS_NOT_FOUND")
    await expect(grpc.StatusCode.NOT_FOUND, users.DeleteAddress(pb.DeleteAddressRequest(address_id=a.id),
                                                                metadata=bob.md))
    req = pb.UpdateAddressRequest(address=pb.Address(id=a.id, label="Mine now"),
                                  update_mask=field_mask_pb2.FieldMask(paths=["label"]))
    await expect(grpc.StatusCode.NOT_FOUND, users.UpdateAddress(req, metadata=bob.md))
    got = await users.GetAddress(pb.GetAddressRequest(address_id=a.id), metadata=alice.md)
    assert got.label == "Home"
    assert a.id not in [x.id for x in (await users.ListAddresses(pb.ListAddressesRequest(), metadata=bob.md)).addresses]


async def test_validation_pagination_limit_and_request_id(users, make_user):
    u = await make_user()
    err = await expect(grpc.StatusCode.INVALID_ARGUMENT, users.CreateAddress(pb.CreateAddressRequest(
        address=pb.Address(country="France", location=at(95, 0), label="x" * 51)), metadata=u.md))
    assert {"address.type", "address.street", "address.city", "address.country", "address.location",
            "address.label"} <= set(violations(err))
    # the same request id returns the first result
    req = pb.CreateAddressRequest(address=address(location=at(5, 5)), request_id=f"r-{uuid.uuid4()}")
    one = await users.CreateAddress(req, metadata=u.md)
    assert (await users.CreateAddress(req, metadata=u.md)).id == one.id
    for i in range(19):
        await users.CreateAddress(pb.CreateAddressRequest(address=address(label=f"A{i}", location=at(i, i))),
                                  metadata=u.md)
    await expect(grpc.StatusCode.FAILED_PRECONDITION, users.CreateAddress(
        pb.CreateAddressRequest(address=address(location=at(0, 0))), metadata=u.md), "ADDRESS_LIMIT")
    ids, token = [], ""
    while True:
        r = await users.ListAddresses(pb.ListAddressesRequest(page_size=7, page_token=token), metadata=u.md)
        ids += [a.id for a in r.addresses]
        token = r.next_page_token
        if not token:
            break
    assert len(ids) == len(set(ids)) == 20
    await expect(grpc.StatusCode.INVALID_ARGUMENT, users.ListAddresses(
        pb.ListAddressesRequest(page_token="bad"), metadata=u.md))
