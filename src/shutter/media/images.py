"""Images: validation by content, a metadata-free original, WebP variants and a blurhash.

Pure CPU work on bytes, run in a worker process (see media/tasks.py). Nothing here trusts
the file name or the declared type; the bytes decide.
"""

from __future__ import annotations

import io
import struct
import warnings
from dataclasses import dataclass, field

import blurhash
import pillow_heif
from PIL import Image, ImageCms, ImageOps

pillow_heif.register_heif_opener()

# Pillow format name -> (content type, file extension) of what Shutter serves as original
IMAGE_FORMATS = {
    "JPEG": ("image/jpeg", "jpg"),
    "PNG": ("image/png", "png"),
    "WEBP": ("image/webp", "webp"),
    "GIF": ("image/gif", "gif"),
    "AVIF": ("image/avif", "avif"),
    # Browsers do not show HEIF: its original is served as a JPEG (colour profile kept).
    "HEIF": ("image/jpeg", "jpg"),
}
# Variant name -> width (thumb is a square crop of this side). Never upscaled.
VARIANT_WIDTHS = {"small": 320, "medium": 640, "large": 1080}
THUMB_SIDE = 150
WEBP_QUALITY = 80
# Pillow reports a damaged file with any of these, depending on the format and on where the
# damage is (AVIF's decoder raises RuntimeError; a GIF cut short mid-frame, IndexError).
_DAMAGED = (OSError, SyntaxError, ValueError, EOFError, IndexError, RuntimeError, struct.error)
_SRGB = ImageCms.createProfile("sRGB")


class MediaRejected(Exception):
    """The bytes are not media Shutter accepts; carries an error code and a status."""

    def __init__(self, code: str, message: str, status: int = 422) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status

    def __reduce__(self) -> tuple[type[MediaRejected], tuple[str, str, int]]:
        # Rebuilt with all three fields when it crosses from a worker process.
        return (MediaRejected, (self.code, self.message, self.status))


@dataclass(frozen=True, slots=True)
class StoredFile:
    """A file to store: its name within the media's key prefix, bytes and type."""

    name: str
    data: bytes
    content_type: str


@dataclass(slots=True)
class Rendition:
    """What processing made of an upload: files to store and what to record."""

    kind: str  # "image" | "video"
    width: int
    height: int
    blurhash: str
    original: StoredFile
    # variant name (thumb, small, medium, large) -> file name; several names may share one
    variants: dict[str, str]
    files: list[StoredFile] = field(default_factory=list)
    duration_s: float | None = None
    poster: str | None = None  # file name of the video's poster frame
    # A video's frames from along it (JPEG bytes), for screening only: never stored.
    screening_frames: list[bytes] = field(default_factory=list)
    source_sha256: str = ""  # of the uploaded bytes: the files' key prefix derives from it


def open_image(data: bytes, max_pixels: int) -> Image.Image:
    """Open (not decode) an image, refusing decompression bombs from the header alone."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data), formats=list(IMAGE_FORMATS))
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise MediaRejected("too_many_pixels", "The image has too many pixels.", 413) from exc
        except _DAMAGED as exc:
            raise MediaRejected("undecodable", "The image is damaged or truncated.") from exc
    width, height = image.size
    # Checked before decoding, so a decompression bomb never allocates its pixels.
    if width * height > max_pixels:
        raise MediaRejected(
            "too_many_pixels",
            f"The image is {width}x{height}; at most {max_pixels} pixels are accepted.",
            413,
        )
    # A GIF keeps its animation, so every frame is decoded: a few kilobytes of
    # near-identical frames would otherwise cost minutes of CPU.
    try:
        # Counting frames walks the whole file: a damaged frame header shows only here.
        frames: int = getattr(image, "n_frames", 1) if image.format == "GIF" else 1
    except _DAMAGED as exc:
        raise MediaRejected("undecodable", "The image is damaged or truncated.") from exc
    if frames > 1 and width * height * frames > max_pixels:
        raise MediaRejected(
            "too_many_pixels",
            f"The animation has {frames} frames of {width}x{height}; at most "
            f"{max_pixels} pixels in all are accepted.",
            413,
        )
    return image


def process_image(data: bytes, max_pixels: int) -> Rendition:
    """Validate and render an image: a metadata-free original, WebP variants, a blurhash."""
    image = open_image(data, max_pixels)
    image_format = "JPEG" if image.format == "MPO" else str(image.format)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image.load()
            original = _clean_original(image, image_format)
            if image_format == "GIF":
                image.seek(0)  # variants show the first frame; the original stays animated
            upright = to_srgb(ImageOps.exif_transpose(image))
    except (*_DAMAGED, Image.DecompressionBombWarning) as exc:
        raise MediaRejected("undecodable", "The image is damaged or truncated.") from exc
    rendition = render_still(upright)
    rendition.original = original
    rendition.files.append(original)
    return rendition


def render_still(upright: Image.Image, kind: str = "image") -> Rendition:
    """Variants and blurhash of an upright sRGB picture (a photo, or a video's poster)."""
    files: list[StoredFile] = []
    variants: dict[str, str] = {}
    made: dict[int, str] = {}  # width -> file name, so variants that would be equal share
    source = upright
    for name, width in sorted(VARIANT_WIDTHS.items(), key=lambda item: -item[1]):
        target = min(width, upright.width)
        if target not in made:
            height = max(1, round(upright.height * target / upright.width))
            if (target, height) != source.size:
                source = source.resize((target, height), Image.Resampling.LANCZOS, reducing_gap=3)
            files.append(StoredFile(f"{name}.webp", _webp(source), "image/webp"))
            made[target] = f"{name}.webp"
        variants[name] = made[target]
    side = min(upright.width, upright.height)
    square = ImageOps.fit(upright, (side, side), Image.Resampling.LANCZOS, centering=(0.5, 0.5))
    if side > THUMB_SIDE:
        square = square.resize((THUMB_SIDE, THUMB_SIDE), Image.Resampling.LANCZOS)
    files.append(StoredFile("thumb.webp", _webp(square), "image/webp"))
    variants["thumb"] = "thumb.webp"
    placeholder = StoredFile("", b"", "")
    return Rendition(
        kind=kind,
        width=upright.width,
        height=upright.height,
        blurhash=encode_blurhash(upright),
        original=placeholder,
        variants=variants,
        files=files,
    )


def to_srgb(image: Image.Image) -> Image.Image:
    """RGB or RGBA pixels in sRGB: the embedded colour profile (if any) is applied, CMYK,
    greyscale and palette images are converted."""
    has_alpha = image.mode in {"RGBA", "LA", "PA"} or (
        image.mode == "P" and "transparency" in image.info
    )
    icc = image.info.get("icc_profile")
    if image.mode not in {"RGB", "RGBA", "CMYK", "L"}:
        image = image.convert("RGBA" if has_alpha else "RGB")
    if icc:
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            output_mode = "RGBA" if image.mode == "RGBA" else "RGB"
            converted = ImageCms.profileToProfile(image, source, _SRGB, outputMode=output_mode)
            if converted is not None:
                image = converted
        except (ImageCms.PyCMSError, OSError, ValueError):
            pass  # a broken profile: show the pixels as they are rather than refuse the photo
    if image.mode not in {"RGB", "RGBA"}:
        image = image.convert("RGB")
    return image


def encode_blurhash(image: Image.Image) -> str:
    """A blurhash of the picture, from a small copy (the hash holds 4x3 colours)."""
    small = image.convert("RGB")
    small.thumbnail((32, 32), Image.Resampling.BILINEAR)
    pixels = list(small.get_flattened_data())
    rows = [pixels[y * small.width : (y + 1) * small.width] for y in range(small.height)]
    x_components = 4 if image.width >= image.height else 3
    y_components = 3 if image.width >= image.height else 4
    return str(blurhash.encode(rows, components_x=x_components, components_y=y_components))


def _webp(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="WEBP", quality=WEBP_QUALITY, method=4)
    return out.getvalue()


def _clean_original(image: Image.Image, image_format: str) -> StoredFile:
    """Re-encode with orientation applied; EXIF (GPS, serials), XMP and comments dropped.
    The colour profile is kept so that colours stay right (CMYK becomes sRGB)."""
    content_type, extension = IMAGE_FORMATS[image_format]
    name = f"original.{extension}"
    out = io.BytesIO()
    if image_format == "GIF":
        # Animation is kept; GIF carries no EXIF. An empty comment stops Pillow from
        # copying the original's.
        image.save(out, format="GIF", save_all=True, optimize=False, comment=b"")
        return StoredFile(name, out.getvalue(), content_type)
    upright = ImageOps.exif_transpose(image)
    icc = upright.info.get("icc_profile")
    options: dict[str, object] = {}
    if upright.mode == "CMYK":
        upright, icc = to_srgb(upright), None
    if icc:
        options["icc_profile"] = icc
    save_as = "JPEG" if image_format == "HEIF" else image_format
    if save_as == "JPEG":
        if upright.mode not in {"RGB", "L"}:
            upright = to_srgb(upright).convert("RGB")
            options.pop("icc_profile", None)
        options.update(quality=92, comment=b"")  # Pillow would copy the original's comment
    elif save_as in {"WEBP", "AVIF"}:
        options.update(quality=90)
    upright.info.pop("exif", None)
    upright.info.pop("xmp", None)
    upright.save(out, format=save_as, **options)
    return StoredFile(name, out.getvalue(), content_type)
