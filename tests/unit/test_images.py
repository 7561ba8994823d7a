"""The image pipeline's served original: the bytes decide what an upload is; what is
served carries no metadata. (Variants, colour and video: test_media_pipeline.py.)"""

from __future__ import annotations

import hashlib
import io
import random
from dataclasses import dataclass

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image, ImageCms, PngImagePlugin

from shutter.media.images import MediaRejected as ImageRejected
from shutter.media.pipeline import Limits, process_upload
from tests.factories import GPS_IFD, ORIENTATION, camera_jpeg, image_bytes, png_bomb

MAX_PIXELS = 64_000_000
FORMATS = {
    "JPEG": "image/jpeg",
    "PNG": "image/png",
    "WEBP": "image/webp",
    "GIF": "image/gif",
    "AVIF": "image/avif",
}
XMP = (
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
    b'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description '
    b'xmlns:exif="http://ns.adobe.com/exif/1.0/" exif:GPSLatitude="51,30.43N"/>'
    b"</rdf:RDF></x:xmpmeta>"
)


@dataclass(frozen=True)
class CleanImage:
    """The served original of a processed image, and what was recorded about it."""

    data: bytes
    content_type: str
    width: int
    height: int
    sha256: str


def clean_image(data: bytes, declared: str, max_pixels: int) -> CleanImage:
    rendition = process_upload(data, declared, Limits(max_pixels, max_pixels, 60.0))
    original = rendition.original
    digest = hashlib.sha256(original.data).hexdigest()
    return CleanImage(
        original.data, original.content_type, rendition.width, rendition.height, digest
    )


def reopen(cleaned: CleanImage) -> Image.Image:
    return Image.open(io.BytesIO(cleaned.data))


def noise(size: tuple[int, int], seed: int = 1) -> Image.Image:
    """An image that compresses badly, so that truncating it cuts into pixel data."""
    rng = random.Random(seed)
    return Image.frombytes("RGB", size, rng.randbytes(size[0] * size[1] * 3))


def encode(image: Image.Image, image_format: str, **options: object) -> bytes:
    out = io.BytesIO()
    image.save(out, format=image_format, **options)
    return out.getvalue()


def clean_or_refuse(data: bytes, declared: str) -> CleanImage | ImageRejected:
    try:
        return clean_image(data, declared, MAX_PIXELS)
    except ImageRejected as refused:
        return refused


def rejection(data: bytes, declared: str, max_pixels: int = MAX_PIXELS) -> ImageRejected:
    with pytest.raises(ImageRejected) as caught:
        clean_image(data, declared, max_pixels)
    return caught.value


@pytest.mark.parametrize("image_format", FORMATS)
def test_each_supported_format_is_accepted_as_itself(image_format: str) -> None:
    data = image_bytes((64, 48), image_format)

    cleaned = clean_image(data, FORMATS[image_format], MAX_PIXELS)

    assert cleaned.content_type == FORMATS[image_format]
    assert (cleaned.width, cleaned.height) == (64, 48)
    served = reopen(cleaned)
    assert served.format == image_format
    assert served.size == (64, 48)
    assert cleaned.sha256 == hashlib.sha256(cleaned.data).hexdigest()


def test_the_same_picture_gets_the_same_content_address() -> None:
    data = image_bytes((20, 20), "PNG")

    first = clean_image(data, "image/png", MAX_PIXELS)
    second = clean_image(data, "image/png", MAX_PIXELS)
    other = clean_image(image_bytes((20, 20), "PNG", color=(0, 0, 255)), "image/png", MAX_PIXELS)

    assert first.sha256 == second.sha256
    assert other.sha256 != first.sha256


@pytest.mark.parametrize(
    ("actual", "declared"),
    [("PNG", "image/jpeg"), ("JPEG", "image/png"), ("GIF", "image/webp"), ("WEBP", "image/gif")],
)
def test_bytes_of_another_type_than_declared_are_415_type_mismatch(
    actual: str, declared: str
) -> None:
    refused = rejection(image_bytes((10, 10), actual), declared)

    assert (refused.code, refused.status) == ("type_mismatch", 415)
    assert declared in refused.message


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"hello, this is not a picture",
        b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n",
        b"<svg xmlns='http://www.w3.org/2000/svg'/>",
    ],
    ids=["empty", "text", "pdf", "svg"],
)
def test_what_is_not_an_image_is_415_unsupported_content(data: bytes) -> None:
    refused = rejection(data, "image/jpeg")

    assert (refused.code, refused.status) == ("unsupported_content", 415)


@pytest.mark.parametrize("image_format", ["JPEG", "PNG"])
def test_a_truncated_image_is_422_undecodable(image_format: str) -> None:
    whole = encode(noise((80, 60)), image_format)

    refused = rejection(whole[: len(whole) // 2], FORMATS[image_format])

    assert (refused.code, refused.status) == ("undecodable", 422)


def test_a_decompression_bomb_is_413_too_many_pixels() -> None:
    bomb = png_bomb(20_000, 20_000)  # 400 megapixels in about 50 KB
    assert len(bomb) < 100_000

    refused = rejection(bomb, "image/png")

    assert (refused.code, refused.status) == ("too_many_pixels", 413)


def test_the_pixel_limit_is_checked_before_any_pixel_is_decoded() -> None:
    # A header promising 9000x9000 pixels followed by garbage: if the pixels were decoded,
    # the answer would be "undecodable"; the limit must refuse it first.
    bomb = png_bomb(9_000, 9_000)
    header_only = bomb[:33] + b"\x00\x00\x00\x10IDAT" + b"garbage!" * 2 + b"\x00" * 4

    refused = rejection(header_only, "image/png")

    assert (refused.code, refused.status) == ("too_many_pixels", 413)


def test_the_pixel_limit_is_the_configured_one() -> None:
    data = image_bytes((40, 25), "PNG")  # 1000 pixels

    assert clean_image(data, "image/png", 1000).width == 40
    refused = rejection(data, "image/png", max_pixels=999)

    assert (refused.code, refused.status) == ("too_many_pixels", 413)
    assert "40x25" in refused.message


def test_the_pixel_limit_counts_every_frame_of_an_animation() -> None:
    # Every frame of a GIF is decoded and re-encoded: 7 KB of 2000x2000 frames that differ
    # by one pixel once took a minute of CPU. Small frames and a small limit show the rule.
    frames = [Image.new("RGB", (20, 20), (n * 20, 0, 0)) for n in range(10)]
    animation = encode(frames[0], "GIF", save_all=True, append_images=frames[1:])
    assert Image.open(io.BytesIO(animation)).n_frames == 10  # type: ignore[attr-defined]

    assert clean_image(animation, "image/gif", 4000).width == 20  # 10 frames x 400 pixels
    refused = rejection(animation, "image/gif", max_pixels=3999)

    assert (refused.code, refused.status) == ("too_many_pixels", 413)
    assert "10 frames" in refused.message


def _corner_colours(image: Image.Image) -> dict[str, tuple[int, ...]]:
    rgb = image.convert("RGB")
    w, h = rgb.size
    return {
        "top_left": rgb.getpixel((2, 2)),
        "top_right": rgb.getpixel((w - 3, 2)),
        "bottom_left": rgb.getpixel((2, h - 3)),
        "bottom_right": rgb.getpixel((w - 3, h - 3)),
    }


def _is_red(colour: tuple[int, ...]) -> bool:
    red, green, blue = colour[:3]
    return red > 180 and green < 80 and blue < 80


@pytest.mark.parametrize(
    ("orientation", "size", "red_corner"),
    [
        (1, (60, 40), "top_left"),
        (3, (60, 40), "bottom_right"),  # rotated 180°
        (6, (40, 60), "top_right"),  # rotated 90° clockwise to display
        (8, (40, 60), "bottom_left"),  # rotated 90° counter-clockwise to display
    ],
)
@pytest.mark.parametrize("image_format", ["JPEG", "PNG", "WEBP"])
def test_exif_orientation_is_applied_to_the_pixels(
    image_format: str, orientation: int, size: tuple[int, int], red_corner: str
) -> None:
    stored = Image.new("RGB", (60, 40), (255, 255, 255))
    stored.paste((255, 0, 0), (0, 0, 12, 12))  # a red mark in the stored top-left corner
    exif = Image.Exif()
    exif[ORIENTATION] = orientation
    data = encode(stored, image_format, exif=exif.tobytes())

    cleaned = clean_image(data, FORMATS[image_format], MAX_PIXELS)

    assert (cleaned.width, cleaned.height) == size
    served = reopen(cleaned)
    assert served.size == size
    assert ORIENTATION not in served.getexif()  # or a viewer would turn it once more
    corners = _corner_colours(served)
    assert [name for name, colour in corners.items() if _is_red(colour)] == [red_corner]


def _exif_with_gps() -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "Shutter Test Camera"
    exif[GPS_IFD] = {1: "N", 2: (51.0, 30.0, 26.0), 3: "W", 4: (0.0, 7.0, 39.0)}
    return exif.tobytes()


@pytest.mark.parametrize("image_format", ["JPEG", "PNG", "WEBP", "AVIF"])
def test_exif_and_xmp_are_removed_gps_first(image_format: str) -> None:
    options: dict[str, object] = {"exif": _exif_with_gps()}
    if image_format != "PNG":
        options["xmp"] = XMP
    data = encode(Image.new("RGB", (30, 20), (10, 200, 30)), image_format, **options)
    assert GPS_IFD in Image.open(io.BytesIO(data)).getexif()

    cleaned = clean_image(data, FORMATS[image_format], MAX_PIXELS)

    served = reopen(cleaned)
    assert dict(served.getexif()) == {}
    assert "xmp" not in served.info
    assert b"GPSLatitude" not in cleaned.data
    assert b"Shutter Test Camera" not in cleaned.data


def test_a_jpeg_comment_is_removed() -> None:
    data = camera_jpeg(comment=b"Anna's flat, 4th floor")

    cleaned = clean_image(data, "image/jpeg", MAX_PIXELS)

    assert "comment" not in reopen(cleaned).info
    assert b"Anna's flat" not in cleaned.data


def test_a_gif_comment_is_removed() -> None:
    data = encode(Image.new("P", (20, 20), 3), "GIF", comment=b"Anna's flat, 4th floor")

    cleaned = clean_image(data, "image/gif", MAX_PIXELS)

    assert "comment" not in reopen(cleaned).info
    assert b"Anna's flat" not in cleaned.data


def test_png_text_chunks_are_removed() -> None:
    text = PngImagePlugin.PngInfo()
    text.add_text("Comment", "Anna's flat, 4th floor")
    text.add_itxt("XML:com.adobe.xmp", XMP.decode())
    data = encode(Image.new("RGB", (20, 20)), "PNG", pnginfo=text)

    cleaned = clean_image(data, "image/png", MAX_PIXELS)

    assert reopen(cleaned).info == {}
    assert b"Anna's flat" not in cleaned.data
    assert b"GPSLatitude" not in cleaned.data


@pytest.mark.parametrize("image_format", ["JPEG", "PNG", "WEBP"])
def test_the_colour_profile_is_kept(image_format: str) -> None:
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    data = encode(Image.new("RGB", (20, 20), (1, 2, 3)), image_format, icc_profile=icc)

    served = reopen(clean_image(data, FORMATS[image_format], MAX_PIXELS))

    assert served.info.get("icc_profile") == icc


def test_transparency_survives() -> None:
    data = encode(Image.new("RGBA", (20, 20), (255, 0, 0, 0)), "PNG")

    served = reopen(clean_image(data, "image/png", MAX_PIXELS))

    assert served.convert("RGBA").getpixel((5, 5))[3] == 0  # type: ignore[index]


def test_an_animated_gif_keeps_its_frames() -> None:
    colours = [(255, 0, 0), (0, 255, 0), (0, 0, 255)]
    frames = [Image.new("RGB", (20, 20), colour) for colour in colours]
    data = encode(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=100)
    assert Image.open(io.BytesIO(data)).n_frames == 3  # type: ignore[attr-defined]

    served = reopen(clean_image(data, "image/gif", MAX_PIXELS))

    assert served.n_frames == 3  # type: ignore[attr-defined]
    served.seek(2)
    assert served.convert("RGB").getpixel((5, 5)) == (0, 0, 255)


def test_a_multi_picture_jpeg_from_a_phone_is_a_jpeg() -> None:
    # Phones write MPO (a JPEG with extra pictures, e.g. a depth map); Pillow calls it "MPO".
    main, extra = Image.new("RGB", (30, 20), (0, 200, 0)), Image.new("RGB", (30, 20))
    data = encode(main, "MPO", save_all=True, append_images=[extra])
    assert Image.open(io.BytesIO(data)).format == "MPO"

    cleaned = clean_image(data, "image/jpeg", MAX_PIXELS)

    assert cleaned.content_type == "image/jpeg"
    assert (cleaned.width, cleaned.height) == (30, 20)
    assert reopen(cleaned).format == "JPEG"


def _animated_gif() -> bytes:
    first = noise((40, 30)).convert("P")
    return encode(first, "GIF", save_all=True, append_images=[Image.new("P", (40, 30), 3)])


SAMPLES = {
    "JPEG": encode(noise((40, 30)), "JPEG"),
    "PNG": encode(noise((40, 30)), "PNG"),
    "WEBP": encode(noise((40, 30)), "WEBP"),
    "AVIF": encode(noise((40, 30)), "AVIF"),
    "GIF": _animated_gif(),
}


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    image_format=st.sampled_from(sorted(SAMPLES)),
    damage=st.sampled_from(["truncate", "flip"]),
    where=st.floats(min_value=0, max_value=1, exclude_max=True),
    bit=st.integers(min_value=0, max_value=7),
)
def test_damaged_bytes_are_either_accepted_or_refused_never_a_crash(
    image_format: str, damage: str, where: float, bit: int
) -> None:
    data = SAMPLES[image_format]
    position = int(where * len(data))
    if damage == "truncate":
        damaged = data[:position]
    else:
        flipped = bytearray(data)
        flipped[position] ^= 1 << bit
        damaged = bytes(flipped)

    outcome = clean_or_refuse(damaged, FORMATS[image_format])

    if isinstance(outcome, ImageRejected):
        assert outcome.status in {413, 415, 422}
    else:
        assert reopen(outcome).size == (outcome.width, outcome.height)


def test_a_gif_cut_short_at_any_byte_is_refused_or_accepted_never_a_crash() -> None:
    # Found by the property test above: a GIF cut inside a later frame's header made
    # Pillow's frame count raise struct.error, which no handler expected.
    data = SAMPLES["GIF"]
    for end in range(len(data)):
        outcome = clean_or_refuse(data[:end], "image/gif")
        if not isinstance(outcome, ImageRejected):
            assert reopen(outcome).size == (outcome.width, outcome.height)
