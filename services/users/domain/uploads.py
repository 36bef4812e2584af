"""Client-streaming uploads: receiving the parts, checking what the bytes really are, and making
the renditions of a profile photo (Pillow).

A stream is a sequence of parts: ("metadata", value) at most once and first, then ("chunk",
bytes)... The whole stream is read (up to a drain limit) before anything is decided, so that a
refused upload ends with its real status (INVALID_ARGUMENT) rather than a broken pipe; a
stream beyond the drain limit is cut at once. Nothing is stored until the file has passed.

Content types are decided by the content, never by a name or a claim: JPEG and PNG must decode
completely with Pillow (a file with a JPEG header and anything else behind it is refused);
PDF must start with "%PDF-" and carry an "%%EOF" marker at its end.
"""
from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass, field
from typing import AsyncIterator

from PIL import Image, ImageOps, UnidentifiedImageError

from services.common.errors import InvalidArgument
from services.common.validation import Violations

JPEG, PNG, PDF = "image/jpeg", "image/png", "application/pdf"
EXTENSION = {JPEG: "jpg", PNG: "png", PDF: "pdf"}
MAX_PIXELS = 40_000_000                  # larger images are refused before decoding (decompression bombs)
THUMBNAILS = (("small", 64), ("medium", 256), ("large", 512))
Image.MAX_IMAGE_PIXELS = MAX_PIXELS


@dataclass
class Received:
    metadata: object | None = None       # the first message's metadata (plain value), if any
    data: bytes = b""
    total_bytes: int = 0                 # bytes sent (may exceed the limit; data is then cut)
    problems: list[tuple[str, str]] = field(default_factory=list)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


async def receive(parts: AsyncIterator[tuple[str, object]], limit: int, drain_limit: int,
                  metadata_required: bool) -> Received:
    """Read a whole upload stream; problems are collected, not raised (see the module doc)."""
    r = Received()
    buf = bytearray()
    index = 0
    async for kind, value in parts:
        if kind == "metadata":
            if index != 0:
                r.problems.append(("metadata", "must be the first message, and come only once"))
            else:
                r.metadata = value
        elif kind == "chunk":
            r.total_bytes += len(value)
            if r.total_bytes <= limit:
                buf += value
            elif r.total_bytes > drain_limit:
                raise InvalidArgument(f"the file is larger than {limit} bytes",
                                      [("chunk", f"the file must be at most {limit} bytes")], reason="UPLOAD_TOO_LARGE")
        else:
            r.problems.append(("part", "each message must carry metadata or a chunk"))
        index += 1
    if metadata_required and r.metadata is None:
        r.problems.append(("metadata", "the first message must carry the metadata"))
    if r.total_bytes == 0:
        r.problems.append(("chunk", "the file is empty"))
    elif r.total_bytes > limit:
        r.problems.append(("chunk", f"the file must be at most {limit} bytes"))
    r.data = bytes(buf) if r.total_bytes <= limit else b""
    return r


def raise_problems(r: Received, v: Violations) -> None:
    for f, d in r.problems:
        v.add(f, d)
    if any(d.startswith("the file must be at most") for _, d in r.problems):
        raise InvalidArgument("the file is too large", v.items, reason="UPLOAD_TOO_LARGE")
    v.raise_if_any()


@dataclass(frozen=True)
class Detected:
    content_type: str
    width: int = 0
    height: int = 0


def detect(data: bytes, allowed: tuple[str, ...]) -> Detected | None:
    """What the bytes are, among `allowed` (None when they are none of them). CPU-bound: run it
    in a thread."""
    if PDF in allowed and data.startswith(b"%PDF-"):
        return Detected(PDF) if b"%%EOF" in data[-2048:] else None
    try:
        with Image.open(io.BytesIO(data)) as img:
            fmt = img.format
            width, height = img.size
            if fmt not in ("JPEG", "PNG") or width * height > MAX_PIXELS or width < 1 or height < 1:
                return None
            img.verify()
        with Image.open(io.BytesIO(data)) as img:      # verify() does not decode JPEG data: load() does
            img.load()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError, Image.DecompressionBombError,
            Image.DecompressionBombWarning, IndexError, TypeError, MemoryError):
        return None
    ctype = JPEG if fmt == "JPEG" else PNG
    return Detected(ctype, width, height) if ctype in allowed else None


def check_claim(v: Violations, claimed: str, actual: Detected | None, allowed: tuple[str, ...],
                field_name: str = "metadata.content_type") -> None:
    if claimed and claimed not in allowed:
        v.add(field_name, f"must be one of {', '.join(allowed)}")
    elif claimed and actual is not None and claimed != actual.content_type:
        v.add(field_name, f"says {claimed} but the file is {actual.content_type}")


def renditions(data: bytes, content_type: str) -> dict[str, tuple[bytes, str, int, int]]:
    """The photo without its metadata (EXIF, GPS: re-encoded upright) and square JPEG thumbnails:
    {"original"|"small"|"medium"|"large": (bytes, content type, width, height)}. CPU-bound."""
    out = {}
    with Image.open(io.BytesIO(data)) as src:
        img = ImageOps.exif_transpose(src)
        if content_type == PNG:
            buf = io.BytesIO()
            clean = img.convert("RGBA") if img.mode not in ("RGB", "RGBA", "L", "LA") else img
            clean.save(buf, "PNG", optimize=True)
            out["original"] = (buf.getvalue(), PNG, img.width, img.height)
        rgb = img.convert("RGB")
        if content_type == JPEG:
            buf = io.BytesIO()
            rgb.save(buf, "JPEG", quality=92)
            out["original"] = (buf.getvalue(), JPEG, rgb.width, rgb.height)
        for name, px in THUMBNAILS:
            thumb = ImageOps.fit(rgb, (px, px), Image.Resampling.LANCZOS)
            buf = io.BytesIO()
            thumb.save(buf, "JPEG", quality=85, optimize=True)
            out[name] = (buf.getvalue(), JPEG, px, px)
    return out
