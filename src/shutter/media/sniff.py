"""What the bytes are, from their first bytes alone (never from a name or a declared type)."""

from __future__ import annotations

IMAGE_TYPES = frozenset(
    {"image/jpeg", "image/png", "image/webp", "image/gif", "image/heic", "image/avif"}
)
VIDEO_TYPES = frozenset({"video/mp4", "video/quicktime", "video/webm"})
# The types of the files Shutter stores, by extension (serving and copying them).
STORED_TYPES = {
    "jpg": "image/jpeg",
    "png": "image/png",
    "webp": "image/webp",
    "gif": "image/gif",
    "avif": "image/avif",
    "mp4": "video/mp4",
    "zip": "application/zip",
}
# Names a client may declare for an accepted type, and the type they mean.
ALIASES = {"image/heif": "image/heic", "image/jpg": "image/jpeg", "image/pjpeg": "image/jpeg"}
# Declared and detected types that are one family: iPhones call an HEIF image either, and an
# MP4 and a QuickTime movie are the same ISO base media container (both are transcoded).
_FAMILIES = ({"video/mp4", "video/quicktime"},)

_HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1"}
_AVIF_BRANDS = {b"avif", b"avis"}
_QUICKTIME_ATOMS = {b"moov", b"mdat", b"wide", b"free", b"skip", b"pnot"}


def normalise(content_type: str) -> str:
    """`Image/HEIF; charset=x` -> `image/heic`."""
    kind = content_type.split(";")[0].strip().lower()
    return ALIASES.get(kind, kind)


def same_family(declared: str, actual: str) -> bool:
    return declared == actual or any({declared, actual} <= family for family in _FAMILIES)


def sniff(head: bytes) -> str | None:
    """The content type of a file that starts with `head` (64 bytes are plenty), or None."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head[:4] == b"\x1a\x45\xdf\xa3":  # EBML: Matroska; only its WebM flavour is accepted
        return "video/webm" if b"webm" in head[:64] else None
    if head[4:8] == b"ftyp":
        return _iso_brand(head)
    if head[4:8] in _QUICKTIME_ATOMS:
        return "video/quicktime"  # an old QuickTime movie without a file type box
    return None


def _iso_brand(head: bytes) -> str | None:
    major = head[8:12]
    size = int.from_bytes(head[0:4], "big")
    compatible = {head[i : i + 4] for i in range(16, min(size, len(head)) - 3, 4)}
    brands = {major} | compatible
    if major in _AVIF_BRANDS or (major == b"mif1" and brands & _AVIF_BRANDS):
        return "image/avif"
    if major in _HEIF_BRANDS:
        return "image/heic"
    if major == b"qt  ":
        return "video/quicktime"
    return "video/mp4"  # isom, mp41, mp42, avc1, M4V, 3gp...: an MP4-family movie
