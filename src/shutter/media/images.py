"""Image validation by content, and a metadata-free copy to serve.

Runs in a worker thread: decoding is CPU work. Nothing here trusts the file name or the
declared type; the bytes decide.
"""

from __future__ import annotations

import hashlib
import io
import struct
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps

# Pillow format name -> (content type, file extension)
IMAGE_FORMATS = {
    "JPEG": ("image/jpeg", "jpg"),
    "PNG": ("image/png", "png"),
    "WEBP": ("image/webp", "webp"),
    "GIF": ("image/gif", "gif"),
    "AVIF": ("image/avif", "avif"),
}
IMAGE_CONTENT_TYPES = {content_type for content_type, _ in IMAGE_FORMATS.values()}
# Pillow reports a damaged file with any of these, depending on the format and on where the
# damage is (AVIF's decoder raises RuntimeError; a GIF cut short mid-frame, IndexError).
_DAMAGED = (OSError, SyntaxError, ValueError, EOFError, IndexError, RuntimeError, struct.error)


class ImageRejected(Exception):
    """The bytes are not an image Shutter accepts; carries an error code and a status."""

    def __init__(self, code: str, message: str, status: int = 422) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status


@dataclass(frozen=True, slots=True)
class CleanImage:
    data: bytes
    content_type: str
    extension: str
    width: int
    height: int
    sha256: str


def clean_image(data: bytes, declared_type: str, max_pixels: int) -> CleanImage:
    """Check that `data` is a whole, decodable image of the declared type, within the pixel
    limit, and return a copy with EXIF orientation applied and all metadata removed."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data), formats=list(IMAGE_FORMATS))
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise ImageRejected("too_many_pixels", "The image has too many pixels.", 413) from exc
        except _DAMAGED as exc:
            raise ImageRejected(
                "unsupported_content", "The file is not an image of a supported type.", 415
            ) from exc
        actual_type, extension = IMAGE_FORMATS[_format_of(image)]
        if actual_type != declared_type:
            raise ImageRejected(
                "type_mismatch",
                f"The file was declared as {declared_type} but is {actual_type}.",
                415,
            )
        width, height = image.size
        # Checked before decoding, so a decompression bomb never allocates its pixels.
        if width * height > max_pixels:
            raise ImageRejected(
                "too_many_pixels",
                f"The image is {width}x{height}; at most {max_pixels} pixels are accepted.",
                413,
            )
        try:
            # A GIF keeps its animation, so every frame is decoded: a few kilobytes of
            # near-identical frames would otherwise cost minutes of CPU.
            frames: int = getattr(image, "n_frames", 1) if _format_of(image) == "GIF" else 1
            if frames > 1 and width * height * frames > max_pixels:
                raise ImageRejected(
                    "too_many_pixels",
                    f"The animation has {frames} frames of {width}x{height}; at most "
                    f"{max_pixels} pixels in all are accepted.",
                    413,
                )
            image.load()
            # Re-encoding decodes the rest (every frame of a GIF): damage may show only here.
            cleaned = _without_metadata(image)
        except (*_DAMAGED, Image.DecompressionBombWarning) as exc:
            raise ImageRejected("undecodable", "The image is damaged or truncated.") from exc
    return CleanImage(
        data=cleaned.data,
        content_type=actual_type,
        extension=extension,
        width=cleaned.width,
        height=cleaned.height,
        sha256=hashlib.sha256(cleaned.data).hexdigest(),
    )


def _format_of(image: Image.Image) -> str:
    """Pillow's format name; a multi-picture JPEG (MPO, as phones write) counts as a JPEG."""
    return "JPEG" if image.format == "MPO" else str(image.format)


@dataclass(frozen=True, slots=True)
class _Encoded:
    data: bytes
    width: int
    height: int


def _without_metadata(image: Image.Image) -> _Encoded:
    """Re-encode with orientation applied; EXIF (GPS, serials), XMP and comments dropped.
    The colour profile is kept so colours stay right."""
    image_format = _format_of(image)
    icc = image.info.get("icc_profile")
    out = io.BytesIO()
    if image_format == "GIF":
        # Animation is kept; GIF carries no EXIF. An empty comment stops Pillow from
        # copying the original's.
        image.save(out, format="GIF", save_all=True, optimize=False, comment=b"")
        return _Encoded(out.getvalue(), image.width, image.height)
    upright = ImageOps.exif_transpose(image)
    options: dict[str, object] = {}
    if icc:
        options["icc_profile"] = icc
    if image_format == "JPEG":
        if upright.mode not in {"RGB", "L", "CMYK"}:
            upright = upright.convert("RGB")
        options.update(quality=95, comment=b"")  # Pillow would copy the original's comment
    elif image_format in {"WEBP", "AVIF"}:
        options.update(quality=95)
    upright.save(out, format=image_format, **options)
    return _Encoded(out.getvalue(), upright.width, upright.height)
