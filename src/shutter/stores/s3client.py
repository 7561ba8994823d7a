"""What `S3ObjectStore` uses of an S3 client, as Protocols (aiobotocore and botocore ship
no types: their clients are built at run time from the service's JSON model).

Only the operations, parameters and response keys Shutter uses are declared, named as
the S3 API names them, so mypy checks each call and each key read. `S3Client` is the
asynchronous aiobotocore client; `S3Presigner` the synchronous botocore client that signs
download URLs without awaiting (stores/objects.py says why).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from typing import BinaryIO, Literal, NotRequired, Protocol, TypedDict

# -- responses (the keys read) -----------------------------------------------------------


class MultipartUploadStarted(TypedDict):
    UploadId: str


class MultipartUpload(TypedDict):
    Key: str
    UploadId: str


class MultipartUploads(TypedDict):
    Uploads: NotRequired[list[MultipartUpload]]


class Part(TypedDict):
    PartNumber: int
    ETag: str
    Size: int


class Parts(TypedDict):
    Parts: NotRequired[list[Part]]


class CompletedPart(TypedDict):
    PartNumber: int
    ETag: str


class CompletedParts(TypedDict):
    Parts: list[CompletedPart]


class ObjectHead(TypedDict):
    ContentLength: int


class Body(Protocol):
    """An object's body as aiobotocore streams it (closed on leaving the `async with`)."""

    async def __aenter__(self) -> Body: ...

    async def __aexit__(self, *exc_info: object) -> None: ...

    async def read(self) -> bytes: ...

    def iter_chunks(self, chunk_size: int = ...) -> AsyncIterator[bytes]: ...


class ObjectGot(TypedDict):
    Body: Body


class ObjectKey(TypedDict):
    Key: str


class ObjectsToDelete(TypedDict):
    Objects: Sequence[ObjectKey]
    Quiet: bool


class CopySource(TypedDict):
    Bucket: str
    Key: str


# -- errors ------------------------------------------------------------------------------


class ClientError(Exception):
    """botocore's `ClientError`, as far as it is read: `response["Error"]["Code"]`."""

    response: Mapping[str, Mapping[str, str]]


class Errors(Protocol):
    """`client.exceptions`: the error classes of the client's service model."""

    @property
    def ClientError(self) -> type[ClientError]: ...

    @property
    def NoSuchKey(self) -> type[Exception]: ...


# -- the clients -------------------------------------------------------------------------

PresignedOperation = Literal["put_object", "upload_part", "get_object"]


class S3Client(Protocol):
    """aiobotocore's S3 client: the operations Shutter calls."""

    @property
    def exceptions(self) -> Errors: ...

    async def generate_presigned_url(
        self, ClientMethod: PresignedOperation, Params: Mapping[str, object], ExpiresIn: int
    ) -> str: ...

    async def create_multipart_upload(
        self, *, Bucket: str, Key: str, ContentType: str
    ) -> MultipartUploadStarted: ...

    async def list_multipart_uploads(self, *, Bucket: str, Prefix: str) -> MultipartUploads: ...

    async def list_parts(self, *, Bucket: str, Key: str, UploadId: str, MaxParts: int) -> Parts: ...

    async def complete_multipart_upload(
        self, *, Bucket: str, Key: str, UploadId: str, MultipartUpload: CompletedParts
    ) -> object: ...

    async def abort_multipart_upload(self, *, Bucket: str, Key: str, UploadId: str) -> object: ...

    async def head_object(self, *, Bucket: str, Key: str) -> ObjectHead: ...

    async def get_object(self, *, Bucket: str, Key: str) -> ObjectGot: ...

    async def put_object(
        self,
        *,
        Bucket: str,
        Key: str,
        Body: bytes | BinaryIO,
        ContentType: str,
        CacheControl: str = ...,
    ) -> object: ...

    async def delete_objects(self, *, Bucket: str, Delete: ObjectsToDelete) -> object: ...

    async def copy_object(self, *, Bucket: str, Key: str, CopySource: CopySource) -> object: ...

    async def delete_object(self, *, Bucket: str, Key: str) -> object: ...

    async def head_bucket(self, *, Bucket: str) -> object: ...


class S3Presigner(Protocol):
    """botocore's synchronous S3 client, for signing alone."""

    def generate_presigned_url(
        self, ClientMethod: PresignedOperation, Params: Mapping[str, object], ExpiresIn: int
    ) -> str: ...
