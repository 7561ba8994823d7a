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
import shutil
import tempfile
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import BinaryIO, Protocol
from urllib.parse import quote, urlencode

import anyio
import anyio.to_thread

from shutter.errors import NotFound
from shutter.stores.s3client import S3Client, S3Presigner

IMMUTABLE = "public, max-age=31536000, immutable"
# An expiring URL is handed out unchanged for this long (so that browsers can cache what it
# names), then a new one is signed.
EXPIRING_URL_REUSE_S = 600
DOWNLOAD_URL_TTL_S = 7 * 86_400
SIGNED_URL_REUSE_S = 86_400
SIGNED_URL_CACHE_MAX = 200_000
# The local store writes each object to a file in SCRATCH_DIR first, then renames it into
# place; a write that fails removes its file, and files a crash left behind are removed
# once they are this old (by the media lifecycle job, which also runs at startup).
SCRATCH_DIR = ".tmp"
STALE_SCRATCH_S = 3_600
# Where an S3 store keeps the files of removed content: out of reach of every URL handed out
# for their own keys (pre-signed GETs and the CDN's origin alike), until a restore.
WITHHELD_PREFIX = "withheld/"
_MISSING = {"404", "NoSuchKey", "NotFound"}
MAX_PARTS = 10_000  # S3's bound on the parts of one multipart upload


def _open_for_writing(fd: int) -> BinaryIO:
    """The scratch file's writer (a seam: tests make it fail as a full disk would)."""
    return os.fdopen(fd, "wb")


@dataclass(frozen=True, slots=True)
class UploadTarget:
    url: str
    method: str
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class UploadPart:
    """One part of a multipart upload: PUT exactly `size_bytes` (bytes `offset` to
    `offset + size_bytes` of the file) to `url`."""

    number: int
    offset: int
    size_bytes: int
    url: str


def part_sizes(size_bytes: int, part_bytes: int) -> list[int]:
    """How a file of `size_bytes` is cut into parts of `part_bytes` (the last one shorter),
    never more than MAX_PARTS of them (the parts grow instead)."""
    part_bytes = max(part_bytes, -(-size_bytes // MAX_PARTS))
    whole, rest = divmod(size_bytes, part_bytes)
    return [part_bytes] * whole + ([rest] if rest else [])


class ObjectStore(abc.ABC):
    """Where media bytes live."""

    @abc.abstractmethod
    async def presign_upload(
        self, key: str, content_type: str, size_bytes: int, expires_at: int, base_url: str
    ) -> UploadTarget:
        """A URL the client can PUT exactly these bytes to until `expires_at` (unix s)."""

    async def presign_upload_parts(
        self, key: str, size_bytes: int, part_bytes: int, expires_at: int
    ) -> list[UploadPart] | None:
        """Start a multipart upload and return a URL per part, or None where one PUT takes
        any size (the app's own upload route streams to disk)."""
        return None

    async def complete_parts(self, key: str, size_bytes: int) -> bool:
        """Assemble the multipart upload of `key` once every part is there; True when the
        object now exists. Safe to repeat; a store without multipart has nothing to do."""
        return False

    async def abort_parts(self, key: str) -> None:  # noqa: B027 - most stores have no parts
        """Drop the unfinished multipart uploads of `key`."""

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

    async def download_to(self, key: str, path: Path) -> None:
        """Copy an object into a local file (big archives: never all in memory); raises
        NotFound. Stores override this to stream; the default reads the bytes at once."""
        data = await self.read(key)
        await anyio.Path(path).write_bytes(data)

    async def upload_from(self, key: str, path: Path, content_type: str) -> None:
        """Store a local file as an object (an export's zip)."""
        await self.put(key, await anyio.Path(path).read_bytes(), content_type)

    @abc.abstractmethod
    def public_url(self, key: str, base_url: str) -> str:
        """Where clients fetch the object (under the CDN base when one is configured)."""

    @abc.abstractmethod
    def expiring_url(self, key: str, base_url: str, expires_at: int) -> str:
        """A URL valid until `expires_at` (unix s) and no later, whose answer may be cached
        privately and not past that time (never by a CDN): for media that must not outlive
        something else, like a story's."""

    @abc.abstractmethod
    async def ping(self) -> None:
        """Raise if the store cannot be reached."""

    async def withhold(self, key: str) -> None:  # noqa: B027 - most stores withhold at the route
        """Stop the store itself serving `key` (a removed post's file), keeping the bytes.
        Idempotent. The local store is served by Shutter's file route, which refuses
        withheld keys itself: nothing to do here."""

    async def release(self, key: str) -> None:  # noqa: B027 - the counterpart of withhold
        """Serve a withheld `key` again (its content was restored). Idempotent."""

    def withheld_url(self, key: str, base_url: str, expires_at: int) -> str:
        """An expiring URL of a withheld file (a moderator's preview of removed content)."""
        return self.expiring_url(key, base_url, expires_at)

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

    async def download_to(self, key: str, path: Path) -> None:
        source = self.path_for(key)
        if not await anyio.Path(source).is_file():
            raise NotFound("No such object.")
        await anyio.to_thread.run_sync(shutil.copyfile, source, path)

    async def upload_from(self, key: str, path: Path, content_type: str) -> None:
        target = self.path_for(key)

        def copy() -> None:
            fd, tmp_name = self._scratch_file(".put-")
            os.close(fd)
            try:
                shutil.copyfile(path, tmp_name)
                target.parent.mkdir(parents=True, exist_ok=True)
                os.replace(tmp_name, target)
            finally:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(tmp_name)

        await anyio.to_thread.run_sync(copy)

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

    def expiring_url(self, key: str, base_url: str, expires_at: int) -> str:
        base = self.media_base_url or base_url
        signature = self.sign("get-until", key, str(expires_at))[:32]
        return f"{base}/media/files/{key}?exp={expires_at}&sig={signature}"

    def check_download_signature(
        self, key: str, signature: str, expires_at: int | None = None
    ) -> bool:
        """Whether the signature is the key's (and its expiry's, for an expiring URL)."""
        if expires_at is None:
            return hmac.compare_digest(self.sign("get", key)[:32], signature)
        expected = self.sign("get-until", key, str(expires_at))[:32]
        return hmac.compare_digest(expected, signature)

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
        client: S3Client,
        bucket: str,
        media_base_url: str | None,
        presigner: S3Presigner,
    ) -> None:
        self._client = client
        self.bucket = bucket
        self._base = media_base_url
        # A synchronous botocore client: signing is local computation, and hydration of a
        # feed page signs many URLs without awaiting anything.
        self._presigner = presigner
        self._signed: dict[str, tuple[float, str]] = {}
        self._expiring: dict[tuple[str, int], tuple[float, str]] = {}

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

    async def presign_upload_parts(
        self, key: str, size_bytes: int, part_bytes: int, expires_at: int
    ) -> list[UploadPart] | None:
        """One S3 PUT takes at most 5 GB: a larger file (or one over `part_bytes`) goes up
        in parts, each URL signed with its part's exact length."""
        started = await self._client.create_multipart_upload(
            Bucket=self.bucket, Key=key, ContentType="application/zip"
        )
        upload_id = started["UploadId"]
        expires_in = max(1, expires_at - int(time.time()))
        parts = []
        offset = 0
        for number, length in enumerate(part_sizes(size_bytes, part_bytes), start=1):
            url = await self._client.generate_presigned_url(
                "upload_part",
                Params={
                    "Bucket": self.bucket,
                    "Key": key,
                    "UploadId": upload_id,
                    "PartNumber": number,
                    "ContentLength": length,
                },
                ExpiresIn=expires_in,
            )
            parts.append(UploadPart(number, offset, length, url))
            offset += length
        return parts

    async def complete_parts(self, key: str, size_bytes: int) -> bool:
        """Find the key's multipart upload, check that its parts are all there and add up
        to `size_bytes`, and complete it (S3 reports each part's ETag: the client need not
        read response headers)."""
        listed = await self._client.list_multipart_uploads(Bucket=self.bucket, Prefix=key)
        uploads = [u for u in listed.get("Uploads", []) if u["Key"] == key]
        for upload in uploads:
            found = await self._client.list_parts(
                Bucket=self.bucket, Key=key, UploadId=upload["UploadId"], MaxParts=MAX_PARTS
            )
            parts = sorted(found.get("Parts", []), key=lambda part: int(part["PartNumber"]))
            numbers = [int(part["PartNumber"]) for part in parts]
            if numbers != list(range(1, len(parts) + 1)) or (
                sum(int(part["Size"]) for part in parts) != size_bytes
            ):
                continue  # not all there yet
            await self._client.complete_multipart_upload(
                Bucket=self.bucket,
                Key=key,
                UploadId=upload["UploadId"],
                MultipartUpload={
                    "Parts": [
                        {"PartNumber": part["PartNumber"], "ETag": part["ETag"]} for part in parts
                    ]
                },
            )
            return True
        return False

    async def abort_parts(self, key: str) -> None:
        """Drop the unfinished multipart uploads of `key` (their parts are stored, and
        billed, until then)."""
        listed = await self._client.list_multipart_uploads(Bucket=self.bucket, Prefix=key)
        for upload in listed.get("Uploads", []):
            if upload["Key"] == key:
                await self._client.abort_multipart_upload(
                    Bucket=self.bucket, Key=key, UploadId=upload["UploadId"]
                )

    async def size(self, key: str) -> int | None:
        try:
            head = await self._client.head_object(Bucket=self.bucket, Key=key)
        except self._client.exceptions.ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in _MISSING:
                return None
            raise
        return int(head["ContentLength"])

    async def read(self, key: str) -> bytes:
        try:
            response = await self._client.get_object(Bucket=self.bucket, Key=key)
        except self._client.exceptions.NoSuchKey as exc:
            raise NotFound("No such object.") from exc
        async with response["Body"] as body:
            return await body.read()

    async def put(self, key: str, data: bytes, content_type: str) -> None:
        await self._client.put_object(
            Bucket=self.bucket, Key=key, Body=data, ContentType=content_type, CacheControl=IMMUTABLE
        )

    async def delete(self, key: str) -> None:
        """Remove the object and its withheld copy, if it has one (one request)."""
        await self._client.delete_objects(
            Bucket=self.bucket,
            Delete={"Objects": [{"Key": key}, {"Key": WITHHELD_PREFIX + key}], "Quiet": True},
        )

    async def withhold(self, key: str) -> None:
        """Move the object under `WITHHELD_PREFIX`: every URL of its own key then answers
        404 (a CDN still serves what it cached; docs/moderation.md)."""
        await self._move(key, WITHHELD_PREFIX + key)

    async def release(self, key: str) -> None:
        await self._move(WITHHELD_PREFIX + key, key)

    async def _move(self, source: str, target: str) -> None:
        """Copy, then delete the source. Safe to repeat after a crash at any point: a
        missing source means the move was done (or there was nothing to move)."""
        try:
            await self._client.copy_object(
                Bucket=self.bucket, Key=target, CopySource={"Bucket": self.bucket, "Key": source}
            )
        except self._client.exceptions.ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in _MISSING:
                return
            raise
        await self._client.delete_object(Bucket=self.bucket, Key=source)

    def withheld_url(self, key: str, base_url: str, expires_at: int) -> str:
        return self.expiring_url(WITHHELD_PREFIX + key, base_url, expires_at)

    async def download_to(self, key: str, path: Path) -> None:
        try:
            response = await self._client.get_object(Bucket=self.bucket, Key=key)
        except self._client.exceptions.NoSuchKey as exc:
            raise NotFound("No such object.") from exc
        async with response["Body"] as body, await anyio.open_file(path, "wb") as out:
            async for chunk in body.iter_chunks(1024 * 1024):
                await out.write(chunk)

    async def upload_from(self, key: str, path: Path, content_type: str) -> None:
        # One PUT takes up to 5 GB; a larger export would need a multipart upload.
        with path.open("rb") as source:
            await self._client.put_object(
                Bucket=self.bucket, Key=key, Body=source, ContentType=content_type
            )

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
        url = self._presigner.generate_presigned_url(
            "get_object", Params={"Bucket": self.bucket, "Key": key}, ExpiresIn=DOWNLOAD_URL_TTL_S
        )
        if len(self._signed) >= SIGNED_URL_CACHE_MAX:
            self._signed.clear()
        self._signed[key] = (now, url)
        return url

    def expiring_url(self, key: str, base_url: str, expires_at: int) -> str:
        """A pre-signed GET straight from the bucket (never the CDN, which would keep a
        copy), valid until `expires_at`; the store answers with a private Cache-Control
        whose max-age ends by then even if the URL is used as late as it is reused."""
        now = time.time()
        cached = self._expiring.get((key, expires_at))
        if cached is not None and now - cached[0] < EXPIRING_URL_REUSE_S:
            return cached[1]
        lifetime = max(1, expires_at - int(now))
        max_age = max(0, lifetime - EXPIRING_URL_REUSE_S)
        url = self._presigner.generate_presigned_url(
            "get_object",
            Params={
                "Bucket": self.bucket,
                "Key": key,
                "ResponseCacheControl": f"private, max-age={max_age}",
            },
            ExpiresIn=lifetime,
        )
        if len(self._expiring) >= SIGNED_URL_CACHE_MAX:
            self._expiring.clear()
        self._expiring[(key, expires_at)] = (now, url)
        return url

    async def ping(self) -> None:
        await self._client.head_bucket(Bucket=self.bucket)


class UrlFor(Protocol):
    """Where clients fetch stored objects (for one request's base URL)."""

    def __call__(self, key: str) -> str:
        """The object's lasting URL, cacheable forever."""
        ...

    def until(self, key: str, deadline: datetime) -> str:
        """A URL that stops working by `deadline` (a story's end), privately cacheable."""
        ...

    def withheld(self, key: str, deadline: datetime) -> str:
        """`until` for a withheld file (removed content, shown to moderators only)."""
        ...


@dataclass(frozen=True, slots=True)
class ObjectUrls:
    """UrlFor over an object store. Expiring URLs live at most `ttl_s` (and never past
    their deadline), and stay the same for a while so that clients can cache them."""

    store: ObjectStore
    base_url: str
    ttl_s: int

    def __call__(self, key: str) -> str:
        return self.store.public_url(key, self.base_url)

    def until(self, key: str, deadline: datetime) -> str:
        return self.store.expiring_url(key, self.base_url, self._expiry(deadline))

    def withheld(self, key: str, deadline: datetime) -> str:
        return self.store.withheld_url(key, self.base_url, self._expiry(deadline))

    def _expiry(self, deadline: datetime) -> int:
        window = min(EXPIRING_URL_REUSE_S, self.ttl_s // 4)
        start = int(time.time()) // window * window
        return min(int(deadline.timestamp()), start + self.ttl_s)
