"""Where uploaded files live: a small blob-store interface and its local-directory implementation.

Keys are relative paths made by the service ("photos/<user>/<photo>/medium.jpg",
"documents/<user>/<document>/front.pdf"); they are what the database stores. Another store
(S3, GCS) only needs the same four methods.
"""
from __future__ import annotations

import asyncio
import os
import pathlib
import re
import shutil
import uuid
from typing import Protocol

_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*(/[A-Za-z0-9][A-Za-z0-9._-]*)*$")


class BlobStore(Protocol):
    async def put(self, key: str, data: bytes) -> None: ...
    async def get(self, key: str) -> bytes | None: ...
    async def delete(self, key: str) -> None: ...
    async def delete_prefix(self, prefix: str) -> None: ...


class LocalBlobStore:
    """Files under one directory (USERS_BLOB_DIR). Writes are atomic (a temporary file renamed
    into place), so a reader never sees half a file."""

    def __init__(self, root: str | os.PathLike):
        self.root = pathlib.Path(root).resolve()

    def path(self, key: str) -> pathlib.Path:
        if not _KEY.match(key) or ".." in key.split("/"):
            raise ValueError(f"invalid blob key {key!r}")
        return self.root / key

    async def put(self, key: str, data: bytes) -> None:
        await asyncio.to_thread(self._put, self.path(key), data)

    @staticmethod
    def _put(path: pathlib.Path, data: bytes) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
        with open(tmp, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)

    async def get(self, key: str) -> bytes | None:
        path = self.path(key)
        try:
            return await asyncio.to_thread(path.read_bytes)
        except FileNotFoundError:
            return None

    async def delete(self, key: str) -> None:
        path = self.path(key)
        await asyncio.to_thread(lambda: path.unlink(missing_ok=True))

    async def delete_prefix(self, prefix: str) -> None:
        path = self.path(prefix.rstrip("/"))
        await asyncio.to_thread(shutil.rmtree, path, True)

    def files(self) -> list[str]:
        """Every stored key (tests and operators)."""
        if not self.root.exists():
            return []
        return sorted(str(p.relative_to(self.root)) for p in self.root.rglob("*") if p.is_file())
