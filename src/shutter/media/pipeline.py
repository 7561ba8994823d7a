"""From uploaded bytes to a rendition: sniff, check, then hand to images.py or videos.py.

`process_upload` is a plain function of bytes, so that it can run in a worker process
(the embedded profile's API process stays responsive while a burst of uploads is
processed) and be tested without a server.
"""

from __future__ import annotations

import hashlib
import re
import time
from dataclasses import dataclass

from shutter.media.images import MediaRejected, Rendition, process_image
from shutter.media.sniff import IMAGE_TYPES, VIDEO_TYPES, normalise, same_family, sniff
from shutter.media.videos import VideoLimits, process_video

# Markup or script inside an image makes it a polyglot: harmless once re-encoded, but such
# files are made on purpose, so they are refused. 5+ byte patterns never occur by chance.
_MARKUP = re.compile(rb"<(?:script|html|svg|\?php|!doctype|iframe|body)\b", re.IGNORECASE)
_ZIP_END = b"PK\x05\x06"  # a ZIP's end-of-directory record: GIFAR-style polyglots
_PDF = b"%PDF-"


@dataclass(frozen=True, slots=True)
class Limits:
    image_max_pixels: int
    video_max_pixels: int
    video_max_duration_s: float
    video_max_fps: float = 120.0
    video_max_frames: int = 108_000
    # Wall-clock seconds one upload may take; checked between decoded frames here, and
    # enforced from outside by pool.py, which kills a worker process that overruns it.
    job_timeout_s: float | None = None


def process_upload(data: bytes, declared_type: str, limits: Limits) -> Rendition:
    """Validate `data` by content against the declared type and render it; raises
    MediaRejected (with an error code, a message and an HTTP status) when refused."""
    rendition = _render(data, declared_type, limits)
    rendition.source_sha256 = hashlib.sha256(data).hexdigest()
    return rendition


def _render(data: bytes, declared_type: str, limits: Limits) -> Rendition:
    declared_type = normalise(declared_type)
    actual = sniff(data[:64])
    if actual is None:
        raise MediaRejected(
            "unsupported_content", "The file is not an image or video of a supported type.", 415
        )
    if not same_family(declared_type, actual):
        raise MediaRejected(
            "type_mismatch", f"The file was declared as {declared_type} but is {actual}.", 415
        )
    if actual in IMAGE_TYPES:
        _refuse_polyglot(data, actual, decoded=False)
        rendition = process_image(data, limits.image_max_pixels)
        # Checked once decoding succeeded, so that a truncated file is called truncated.
        _refuse_polyglot(data, actual, decoded=True)
        return rendition
    assert actual in VIDEO_TYPES
    deadline = None if limits.job_timeout_s is None else time.monotonic() + limits.job_timeout_s
    video_limits = VideoLimits(
        max_duration_s=limits.video_max_duration_s,
        max_pixels=limits.video_max_pixels,
        max_fps=limits.video_max_fps,
        max_frames=limits.video_max_frames,
        deadline=deadline,
    )
    return process_video(data, video_limits)


def _refuse_polyglot(data: bytes, content_type: str, *, decoded: bool) -> None:
    """Refuse an image that is also something else (a page, a script, an archive), or, once
    decoded, that carries bytes past its end where a strict format has nothing to carry."""
    if not decoded:
        polyglot = (
            _MARKUP.search(data) is not None or _PDF in data[:1024] or _ZIP_END in data[-65_557:]
        )
    else:
        polyglot = (content_type == "image/png" and not data.endswith(b"IEND\xaeB`\x82")) or (
            content_type == "image/gif" and not data.rstrip(b"\x00").endswith(b"\x3b")
        )
    if polyglot:
        raise MediaRejected(
            "polyglot_file",
            "The file is an image with another kind of file (markup, script or archive) "
            "hidden in it.",
            415,
        )
