"""Client-streaming uploads: the profile photo (JPEG/PNG by content, thumbnails made with Pillow)
and identity documents (JPEG/PNG/PDF by content, admin review raising the verification level in
auth). Refused files leave nothing behind: no blob file, no row."""
from __future__ import annotations

import io
import os

import grpc
import pytest
from PIL import Image

from p2p.auth.v1 import auth_pb2
from p2p.users.v1 import users_pb2 as pb
from tests.users.conftest import (document_stream, expect, image_bytes, pdf_bytes, photo_stream,
                                  violations)

TABLES = ("user_verification_documents", "user_profiles", "activity_events", "outbox_events")


def snapshot(users_server, usql, user_id: str):
    files = users_server.blobs.files()
    rows = {t: usql(f"SELECT count(*) FROM {t}")[0][0] for t in TABLES}
    photo = usql("SELECT photo_id FROM user_profiles WHERE user_id = %s", user_id)
    return files, rows, photo


async def refused(call, stream, users_server, usql, user, reason: str):
    """The upload is refused with INVALID_ARGUMENT (and `reason`), and nothing was stored."""
    before = snapshot(users_server, usql, user.id)
    err = await expect(grpc.StatusCode.INVALID_ARGUMENT, call(iter(stream), metadata=user.md), reason)
    assert snapshot(users_server, usql, user.id) == before
    return err


async def test_photo_upload_makes_thumbnails_and_serves_them(users, alice, bob, users_server):
    original = image_bytes("JPEG", (900, 600))
    photo = await users.UploadProfilePhoto(iter(photo_stream(original, "image/jpeg")), metadata=alice.md)
    sizes = {v.size: v for v in photo.variants}
    assert set(sizes) == {pb.PHOTO_SIZE_SMALL, pb.PHOTO_SIZE_MEDIUM, pb.PHOTO_SIZE_LARGE, pb.PHOTO_SIZE_ORIGINAL}
    assert (sizes[pb.PHOTO_SIZE_ORIGINAL].width, sizes[pb.PHOTO_SIZE_ORIGINAL].height) == (900, 600)
    assert sizes[pb.PHOTO_SIZE_MEDIUM].url == (f"/api/v1/users/{alice.id}/profile-picture?size=PHOTO_SIZE_MEDIUM"
                                               f"&version={photo.photo_id}")
    # another user fetches them: real images of the announced sizes
    for size, px in ((pb.PHOTO_SIZE_SMALL, 64), (pb.PHOTO_SIZE_MEDIUM, 256), (pb.PHOTO_SIZE_LARGE, 512)):
        body = await users.GetProfilePhoto(pb.GetProfilePhotoRequest(user_id=alice.id, size=size), metadata=bob.md)
        assert body.content_type == "image/jpeg"
        with Image.open(io.BytesIO(body.data)) as img:
            assert img.format == "JPEG" and img.size == (px, px)
    body = await users.GetProfilePhoto(pb.GetProfilePhotoRequest(user_id=alice.id, size=pb.PHOTO_SIZE_ORIGINAL),
                                       metadata=bob.md)
    with Image.open(io.BytesIO(body.data)) as img:
        assert img.size == (900, 600)
    pub = await users.GetUserProfile(pb.GetUserProfileRequest(user_id=alice.id), metadata=bob.md)
    assert pub.photo.photo_id == photo.photo_id
    # a new photo replaces the old one, whose files are deleted
    old = [f for f in users_server.blobs.files() if photo.photo_id in f]
    assert len(old) == 4
    png = await users.UploadProfilePhoto(iter(photo_stream(image_bytes("PNG", (300, 300)), filename="me.png")),
                                         metadata=alice.md)
    assert png.photo_id != photo.photo_id
    assert not [f for f in users_server.blobs.files() if photo.photo_id in f]
    original = await users.GetProfilePhoto(pb.GetProfilePhotoRequest(user_id=alice.id, size=pb.PHOTO_SIZE_ORIGINAL),
                                           metadata=bob.md)
    assert original.content_type == "image/png"


async def test_photo_without_metadata_message_and_exif_is_stripped(users, alice):
    img = Image.new("RGB", (400, 300), (10, 20, 30))
    exif = img.getexif()
    exif[0x010F] = "SecretCam"              # Make
    buf = io.BytesIO()
    img.save(buf, "JPEG", exif=exif)
    msgs = [pb.UploadProfilePhotoRequest(chunk=buf.getvalue())]     # no metadata message: fine for photos
    await users.UploadProfilePhoto(iter(msgs), metadata=alice.md)
    body = await users.GetProfilePhoto(pb.GetProfilePhotoRequest(user_id=alice.id, size=pb.PHOTO_SIZE_ORIGINAL),
                                       metadata=alice.md)
    assert b"SecretCam" not in body.data


async def test_a_12_mb_file_is_refused_and_nothing_is_stored(users, alice, users_server, usql):
    big = os.urandom(12 * 1024 * 1024)
    await refused(users.UploadProfilePhoto, photo_stream(big, "image/jpeg"), users_server, usql, alice,
                  "UPLOAD_TOO_LARGE")
    await refused(users.UploadVerificationDocument, document_stream(big), users_server, usql, alice,
                  "UPLOAD_TOO_LARGE")
    # just over the photo limit is refused too; a real JPEG of that size is no exception
    jpeg = image_bytes("JPEG", (64, 64))
    over = jpeg + b"\0" * (5 * 1024 * 1024 + 1 - len(jpeg))
    await refused(users.UploadProfilePhoto, photo_stream(over), users_server, usql, alice, "UPLOAD_TOO_LARGE")


@pytest.mark.parametrize("data", [
    b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + os.urandom(4000),          # a JPEG header and noise
    image_bytes("JPEG")[:2000],                                        # a truncated JPEG
    b"GIF89a" + os.urandom(100),                                       # another image type
    b"<html><script>alert(1)</script></html>",
    b"%PDF-1.4 not a photo %%EOF",                                     # PDFs are for documents
], ids=["fake-jpeg", "truncated-jpeg", "gif", "html", "pdf"])
async def test_a_file_that_is_not_a_jpeg_or_png_is_refused_and_nothing_is_stored(users, alice, users_server,
                                                                                     usql, data):
    err = await refused(users.UploadProfilePhoto, photo_stream(data, "image/jpeg", "me.jpg"), users_server, usql,
                        alice, "UNSUPPORTED_CONTENT")
    assert "chunk" in violations(err)


async def test_fake_jpeg_document_is_refused_and_nothing_is_stored(users, alice, users_server, usql):
    fake = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + os.urandom(5000)
    await refused(users.UploadVerificationDocument, document_stream(fake, content_type="image/jpeg"), users_server,
                  usql, alice, "UNSUPPORTED_CONTENT")
    await refused(users.UploadVerificationDocument, document_stream(b"%PDF-1.7 but never ends"), users_server, usql,
                  alice, "UNSUPPORTED_CONTENT")


async def test_upload_stream_shape_and_claims(users, alice, users_server, usql):
    jpeg = image_bytes("JPEG")
    # documents need the metadata first
    msgs = [pb.UploadVerificationDocumentRequest(chunk=jpeg)]
    err = await refused(users.UploadVerificationDocument, msgs, users_server, usql, alice, None)
    assert "metadata" in violations(err)
    # metadata twice / after a chunk
    msgs = document_stream(jpeg) + [pb.UploadVerificationDocumentRequest(metadata=pb.DocumentUploadMetadata())]
    await refused(users.UploadVerificationDocument, msgs, users_server, usql, alice, None)
    # the claimed content type must match the content
    err = await refused(users.UploadVerificationDocument, document_stream(jpeg, content_type="application/pdf"),
                        users_server, usql, alice, None)
    assert "metadata.content_type" in violations(err)
    # an empty file; a side a passport does not have; unspecified type
    await refused(users.UploadVerificationDocument, document_stream(b""), users_server, usql, alice, None)
    err = await refused(users.UploadVerificationDocument, document_stream(jpeg, side=pb.DOCUMENT_SIDE_BACK),
                        users_server, usql, alice, None)
    assert "metadata.side" in violations(err)
    err = await refused(users.UploadVerificationDocument, document_stream(jpeg, doc_type=0), users_server, usql,
                        alice, None)
    assert "metadata.document_type" in violations(err)
    err = await refused(users.UploadProfilePhoto, photo_stream(jpeg, "image/gif"), users_server, usql, alice, None)
    assert "metadata.content_type" in violations(err)


async def test_identity_verification_upload_review_and_level_in_auth(users, make_user, admin_md, stub, users_server):
    u = await make_user("traveler")
    doc = await users.UploadVerificationDocument(iter(document_stream(image_bytes("JPEG"))), metadata=u.md)
    assert doc.status == pb.VERIFICATION_STATUS_INCOMPLETE and list(doc.missing_sides) == [pb.DOCUMENT_SIDE_SELFIE]
    # a second upload of the same side replaces the first file
    doc = await users.UploadVerificationDocument(iter(document_stream(image_bytes("PNG"))), metadata=u.md)
    assert len([f for f in users_server.blobs.files() if doc.id in f]) == 1
    # the admin queue only holds complete documents
    queue = await users.ListVerificationDocuments(pb.ListVerificationDocumentsRequest(page_size=200), metadata=admin_md())
    assert doc.id not in [d.id for d in queue.documents]
    await expect(grpc.StatusCode.FAILED_PRECONDITION, users.ReviewVerificationDocument(
        pb.ReviewVerificationDocumentRequest(document_id=doc.id, decision=pb.REVIEW_DECISION_APPROVE),
        metadata=admin_md()), "DOCUMENT_INCOMPLETE")
    doc = await users.UploadVerificationDocument(iter(document_stream(pdf_bytes(), side=pb.DOCUMENT_SIDE_SELFIE)),
                                                 metadata=u.md)
    assert doc.status == pb.VERIFICATION_STATUS_PENDING_REVIEW and list(doc.missing_sides) == []
    assert set(doc.uploaded_sides) == {pb.DOCUMENT_SIDE_FRONT, pb.DOCUMENT_SIDE_SELFIE}
    queue = await users.ListVerificationDocuments(pb.ListVerificationDocumentsRequest(page_size=200), metadata=admin_md())
    assert doc.id in [d.id for d in queue.documents]
    # files: the owner and admins only
    body = await users.DownloadVerificationDocument(pb.DownloadVerificationDocumentRequest(
        document_id=doc.id, side=pb.DOCUMENT_SIDE_SELFIE), metadata=admin_md())
    assert body.content_type == "application/pdf" and body.data == pdf_bytes()
    body = await users.DownloadVerificationDocument(pb.DownloadVerificationDocumentRequest(
        document_id=doc.id, side=pb.DOCUMENT_SIDE_FRONT), metadata=u.md)
    assert body.content_type == "image/png"
    other = await make_user()
    await expect(grpc.StatusCode.NOT_FOUND, users.DownloadVerificationDocument(pb.DownloadVerificationDocumentRequest(
        document_id=doc.id, side=pb.DOCUMENT_SIDE_FRONT), metadata=other.md))
    # reviewing is for admins
    await expect(grpc.StatusCode.PERMISSION_DENIED, users.ReviewVerificationDocument(
        pb.ReviewVerificationDocumentRequest(document_id=doc.id, decision=pb.REVIEW_DECISION_APPROVE),
        metadata=u.md), "ADMIN_REQUIRED")
    reviewed = await users.ReviewVerificationDocument(pb.ReviewVerificationDocumentRequest(
        document_id=doc.id, decision=pb.REVIEW_DECISION_APPROVE), metadata=admin_md())
    assert reviewed.status == pb.VERIFICATION_STATUS_APPROVED and reviewed.verify_time.seconds > 0
    acc = await stub.GetAccount(auth_pb2.GetAccountRequest(), metadata=u.md)
    assert acc.verification_level == auth_pb2.VERIFICATION_LEVEL_IDENTITY     # raised through auth's API
    pub = await users.GetUserProfile(pb.GetUserProfileRequest(user_id=u.id), metadata=other.md)
    assert pub.identity_verified and pub.verification_level == auth_pb2.VERIFICATION_LEVEL_IDENTITY
    await expect(grpc.StatusCode.FAILED_PRECONDITION, users.ReviewVerificationDocument(
        pb.ReviewVerificationDocumentRequest(document_id=doc.id, decision=pb.REVIEW_DECISION_REJECT, reason="late"),
        metadata=admin_md()), "DOCUMENT_ALREADY_REVIEWED")
    mine = await users.ListMyVerificationDocuments(pb.ListMyVerificationDocumentsRequest(), metadata=u.md)
    assert [d.id for d in mine.documents] == [doc.id]


async def test_rejection_needs_a_reason_and_a_new_upload_starts_over(users, make_user, admin_md, stub, service_md):
    u = await make_user("traveler")
    for side in (pb.DOCUMENT_SIDE_FRONT, pb.DOCUMENT_SIDE_BACK, pb.DOCUMENT_SIDE_SELFIE):
        doc = await users.UploadVerificationDocument(iter(document_stream(
            image_bytes("JPEG"), doc_type=pb.DOCUMENT_TYPE_NATIONAL_ID, side=side)), metadata=u.md)
    assert doc.status == pb.VERIFICATION_STATUS_PENDING_REVIEW
    err = await expect(grpc.StatusCode.INVALID_ARGUMENT, users.ReviewVerificationDocument(
        pb.ReviewVerificationDocumentRequest(document_id=doc.id, decision=pb.REVIEW_DECISION_REJECT),
        metadata=admin_md()))
    assert "reason" in violations(err)
    # a service identity with the admin role is an admin too (the admin service)
    admin_service = service_md("admin", ("admin",))
    rejected = await users.ReviewVerificationDocument(pb.ReviewVerificationDocumentRequest(
        document_id=doc.id, decision=pb.REVIEW_DECISION_REJECT, reason="The photo is blurred"),
        metadata=admin_service)
    assert rejected.status == pb.VERIFICATION_STATUS_REJECTED and rejected.rejection_reason == "The photo is blurred"
    acc = await stub.GetAccount(auth_pb2.GetAccountRequest(), metadata=u.md)
    assert acc.verification_level == auth_pb2.VERIFICATION_LEVEL_EMAIL
    # a service without the admin role is not
    await expect(grpc.StatusCode.PERMISSION_DENIED, users.ListVerificationDocuments(
        pb.ListVerificationDocumentsRequest(), metadata=service_md("deliveries")), "ADMIN_REQUIRED")
    again = await users.UploadVerificationDocument(iter(document_stream(image_bytes("JPEG"))), metadata=u.md)
    assert again.id != doc.id and again.status == pb.VERIFICATION_STATUS_INCOMPLETE
    # a different document type starts the open submission over
    switched = await users.UploadVerificationDocument(iter(document_stream(
        image_bytes("JPEG"), doc_type=pb.DOCUMENT_TYPE_DRIVING_LICENSE)), metadata=u.md)
    assert switched.id == again.id and switched.document_type == pb.DOCUMENT_TYPE_DRIVING_LICENSE
    assert set(switched.missing_sides) == {pb.DOCUMENT_SIDE_BACK, pb.DOCUMENT_SIDE_SELFIE}
