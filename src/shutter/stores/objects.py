"""Object storage for media bytes: a local directory (embedded) or any S3-compatible store.

Both play the same part: the client uploads straight to a pre-signed URL, the server reads
the upload back to validate it, writes content-addressed originals, and hands out URLs.
"""

from __future__ import annotations

import abc
import contextlib
import hashlib
import hmac
import os
import tempfile
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import quote, urlencode

import anyio
import anyio.to_thread

from shutter.errors import NotFound

IMMUTABLE = "public, max-age=31536000, immutable"
DOWNLOAD_URL_TTL_S = 7 * 86_400
SIGNED_URL_REUSE_S = 86_400
SIGNED_URL_CACHE_MAX = 200_000
# The local store writes each object to a file in SCRATCH_DIR first, then renames it into
# place; a write that fails removes its file, and files a crash left behind are removed
# once they are this old (by the media lifecycle job, which also runs at startup).
SCRATCH_DIR = ".tmp"
STALE_SCRATCH_S = 3_600


def _open_for_writing(fd: int) -> BinaryIO:
    """The scratch file's writer (a seam: tests make it fail as a full disk would)."""
    return os.fdopen(fd, "wb")


@dataclass(frozen=True, slots=True)
class UploadTarget:
    url: str
    method: str
    headers: dict[str, str] = field(default_factory=dict)


class ObjectStore(abc.ABC):
    """Where media bytes live."""

    @abc.abstractmethod
    async def presign_upload(
        self, key: str, content_type: str, size_bytes: int, expires_at: int, base_url: str
    ) -> UploadTarget:
        """A URL the client can PUT exactly these bytes to until `expires_at` (unix s)."""

    @abc.abstractmethod
    async def size(self, key: str) -> int | None:
        """The stored object's size in bytes, or None if there is none."""

    @abc.abstractmethod
    async def read(self, key: str) -> bytes:
        """The object's bytes; raises NotFound."""

    @abc.abstractmethod
    async def put(self, key: str, data: bytes, content_type: str) -> None:
        """Store an immutable object (served with a cache-forever header)."""

    @abc.abstractmethod
    async def delete(self, key: str) -> None:
        """Remove an object; removing a missing one is not an error."""

    @abc.abstractmethod
    def public_url(self, key: str, base_url: str) -> str:
        """Where clients fetch the object (under the CDN base when one is configured)."""

    @abc.abstractmethod
    async def ping(self) -> None:
        """Raise if the store cannot be reached."""

    async def close(self) -> None:  # noqa: B027 - optional hook, most stores hold nothing
        """Release connections."""

    async def remove_stale_scratch(self, older_than_s: float = STALE_SCRATCH_S) -> int:
        """Remove what failed or crashed writes left behind; returns how many files."""
        return 0


class LocalObjectStore(ObjectStore):
    """A directory on disk; the app serves it and accepts signed uploads into it."""

    def __init__(self, root: Path, secret_key: str, media_base_url: str | None = None) -> None:
        self.root = root.resolve()
        self.scratch = self.root / SCRATCH_DIR  # same file system: the rename is atomic
        self._key = hashlib.sha256(b"shutter-media:" + secret_key.encode()).digest()
        self.media_base_url = media_base_url

    # -- signatures: uploads carry (key, type, size, expiry); downloads carry the key only --

    def sign(self, *parts: str) -> str:
        message = "\n".join(parts).encode()
        return hmac.new(self._key, message, hashlib.sha256).hexdigest()

    def verify(self, signature: str, *parts: str) -> bool:
        return hmac.compare_digest(self.sign(*parts), signature)

    def path_for(self, key: str) -> Path:
        """The file of an object key; refuses keys that would escape the root."""
        path = (self.root / key).resolve()
        if not path.is_relative_to(self.root) or path == self.root:
            raise NotFound("No such object.")
        return path

    async def presign_upload(
        self, key: str, content_type: str, size_bytes: int, expires_at: int, base_url: str
    ) -> UploadTarget:
        query = urlencode(
            {
                "content_type": content_type,
                "size": size_bytes,
                "expires": expires_at,
                "signature": self.sign(
                    "upload", key, content_type, str(size_bytes), str(expires_at)
                ),
            }
        )
        return UploadTarget(
            url=f"{base_url}/media/upload/{quote(key)}?{query}",
            method="PUT",
            headers={"Content-Type": content_type},
        )

    def check_upload_signature(
        self, key: str, content_type: str, size_bytes: int, expires_at: int, signature: str
    ) -> str | None:
        """None when the upload may proceed, else why not."""
        if not self.verify(
            signature, "upload", key, content_type, str(size_bytes), str(expires_at)
        ):
            return "The upload signature is not valid."
        if expires_at < time.time():
            return "The upload URL has expired; ask for a new one."
        return None

    def _scratch_file(self, prefix: str) -> tuple[int, str]:
        self.scratch.mkdir(parents=True, exist_ok=True)
        return tempfile.mkstemp(dir=self.scratch, prefix=prefix)

    async def receive(self, key: str, chunks: AsyncIterator[bytes], size_bytes: int) -> int:
        """Write an upload body, refusing more than `size_bytes`; returns bytes received.
        Nothing is left behind unless all of it arrived (a full disk raises OSError)."""
        path = self.path_for(key)
        fd, tmp_name = await anyio.to_thread.run_sync(self._scratch_file, ".upload-")
        received = 0
        try:
            with _open_for_writing(fd) as out:
                async for chunk in chunks:
                    received += len(chunk)
                    if received > size_bytes:
                        break
                    await anyio.to_thread.run_sync(out.write, chunk)
            if received == size_bytes:
                await anyio.Path(path.parent).mkdir(parents=True, exist_ok=True)
                await anyio.to_thread.run_sync(os.replace, tmp_name, path)
        finally:
            await anyio.Path(tmp_name).unlink(missing_ok=True)  # renamed away, or failed
        return received

    async def size(self, key: str) -> int | None:
        path = anyio.Path(self.path_for(key))
        if not await path.is_file():
            return None
        return (await path.stat()).st_size

    async def read(self, key: str) -> bytes:
        try:
            return await anyio.Path(self.path_for(key)).read_bytes()
        except FileNotFoundError as exc:
            raise NotFound("No such object.") from exc

    async def put(self, key: str, data: bytes, content_type: str) -> None:
        path = self.path_for(key)

        def write() -> None:
            fd, tmp_name = self._scratch_file(".put-")
            try:
                with _open_for_writing(fd) as out:
                    out.write(data)
                path.parent.mkdir(parents=True, exist_ok=True)
                os.replace(tmp_name, path)
            finally:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(tmp_name)  # renamed away, or a failed write's remains

        await anyio.to_thread.run_sync(write)

    async def remove_stale_scratch(self, older_than_s: float = STALE_SCRATCH_S) -> int:
        """Remove scratch files a crash left behind (older than `older_than_s`, so that
        writes under way are never touched); returns how many were removed."""

        def sweep() -> int:
            cutoff = time.time() - older_than_s
            removed = 0
            with contextlib.suppress(FileNotFoundError), os.scandir(self.scratch) as entries:
                for entry in entries:
                    if entry.is_file() and entry.stat().st_mtime < cutoff:
                        with contextlib.suppress(FileNotFoundError):
                            os.unlink(entry.path)
                            removed += 1
            return removed

        return await anyio.to_thread.run_sync(sweep)

    def free_bytes(self) -> int:
        """Free space on the file system that holds the store."""
        return free_bytes(self.root)

    async def delete(self, key: str) -> None:
        await anyio.Path(self.path_for(key)).unlink(missing_ok=True)

    def public_url(self, key: str, base_url: str) -> str:
        base = self.media_base_url or base_url
        return f"{base}/media/files/{key}?sig={self.sign('get', key)[:32]}"

    def check_download_signature(self, key: str, signature: str) -> bool:
        return hmac.compare_digest(self.sign("get", key)[:32], signature)

    async def ping(self) -> None:
        await anyio.Path(self.root).mkdir(parents=True, exist_ok=True)


def free_bytes(path: Path) -> int:
    """Free space (for unprivileged writers) on the file system holding `path`, or its
    nearest existing parent (a fresh data dir is made on first use)."""
    path = path.resolve()
    while not path.exists() and path != path.parent:
        path = path.parent
    stats = os.statvfs(path)
    return int(stats.f_bavail * stats.f_frsize)


class S3ObjectStore(ObjectStore):
    """Any S3-compatible store (AWS S3, MinIO, R2, Ceph), via aiobotocore."""

    def __init__(
        self,
        client: Any,
        bucket: str,
        media_base_url: str | None,
        presigner: Any,
    ) -> None:
        self._client = client
        self.bucket = bucket
        self._base = media_base_url
        # A synchronous botocore client: signing is local computation, and hydration of a
        # feed page signs many URLs without awaiting anything.
        self._presigner = presigner
        self._signed: dict[str, tuple[float, str]] = {}

    async def presign_upload(
        self, key: str, content_type: str, size_bytes: int, expires_at: int, base_url: str
    ) -> UploadTarget:
        url = await self._client.generate_presigned_url(
            "put_object",
            # Content-Length is signed too: the store refuses a body of any other size.
            Params={
                "Bucket": self.bucket,
                "Key": key,
                "ContentType": content_type,
                "ContentLength": size_bytes,
            },
            ExpiresIn=max(1, expires_at - int(time.time())),
        )
        return UploadTarget(url=url, method="PUT", headers={"Content-Type": content_type})

    async def size(self, key: str) -> int | None:
        try:
            head = await self._client.head_object(Bucket=self.bucket, Key=key)
        except self._client.exceptions.ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in {"404", "NoSuchKey", "NotFound"}:
                return None
            raise
        return int(head["ContentLength"])

    async def read(self, key: str) -> bytes:
        try:
            response = await self._client.get_object(Bucket=self.bucket, Key=key)
        except self._client.exceptions.NoSuchKey as exc:
            raise NotFound("No such object.") from exc
        async with response["Body"] as body:
            data: bytes = await body.read()
        return data

    async def put(self, key: str, data: bytes, content_type: str) -> None:
        await self._client.put_object(
            Bucket=self.bucket, Key=key, Body=data, ContentType=content_type, CacheControl=IMMUTABLE
        )

    async def delete(self, key: str) -> None:
        await self._client.delete_object(Bucket=self.bucket, Key=key)

    def public_url(self, key: str, base_url: str) -> str:
        """Under the CDN base when one is configured (the CDN may read the bucket); otherwise
        a pre-signed GET valid for a week, so that the bucket itself stays private."""
        if self._base:
            return f"{self._base}/{key}"
        # The same URL for a day (signatures carry their signing time), so browsers and
        # proxies can cache the image; it stays valid for six days more after that.
        now = time.monotonic()
        cached = self._signed.get(key)
        if cached is not None and now - cached[0] < SIGNED_URL_REUSE_S:
            return cached[1]
        url: str = self._presigner.generate_presigned_url(
            "get_object", Params={"Bucket": self.bucket, "Key": key}, ExpiresIn=DOWNLOAD_URL_TTL_S
        )
        if len(self._signed) >= SIGNED_URL_CACHE_MAX:
            self._signed.clear()
        self._signed[key] = (now, url)
        return url

    async def ping(self) -> None:
        await self._client.head_bucket(Bucket=self.bucket)
