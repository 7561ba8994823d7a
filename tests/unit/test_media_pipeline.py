"""The media pipeline as a function of bytes: variants, colour, blurhash, HEIC, polyglots
and video (probe, rotation, transcode, poster). Every fixture is made here."""

from __future__ import annotations

import asyncio
import io
import os
import time
from typing import Any

import av
import blurhash
import pillow_heif
import pytest
from PIL import Image

from shutter.media import videos
from shutter.media.images import MediaRejected, Rendition
from shutter.media.pipeline import Limits, process_upload
from tests.factories import (
    image_bytes,
    lying_webm,
    png_bomb,
    swapped_primaries_icc,
    video_bytes,
)

LIMITS = Limits(image_max_pixels=64_000_000, video_max_pixels=4096 * 2304, video_max_duration_s=60)


def files(rendition: Rendition) -> dict[str, bytes]:
    return {item.name: item.data for item in rendition.files}


def variant(rendition: Rendition, name: str) -> Image.Image:
    image = Image.open(io.BytesIO(files(rendition)[rendition.variants[name]]))
    image.load()
    return image


def refusal(data: bytes, declared: str, limits: Limits = LIMITS) -> MediaRejected:
    with pytest.raises(MediaRejected) as caught:
        process_upload(data, declared, limits)
    return caught.value


def test_variants_are_webp_at_their_widths_and_the_thumb_a_centre_square() -> None:
    photo = Image.new("RGB", (2000, 1000), (0, 0, 200))
    photo.paste((255, 255, 0), (900, 400, 1100, 600))  # a yellow square in the middle

    rendition = process_upload(image_bytes_of(photo, "JPEG"), "image/jpeg", LIMITS)

    sizes = {name: variant(rendition, name).size for name in ("small", "medium", "large")}
    assert sizes == {"small": (320, 160), "medium": (640, 320), "large": (1080, 540)}
    thumb = variant(rendition, "thumb")
    assert (thumb.format, thumb.size) == ("WEBP", (150, 150))
    r, g, b = thumb.getpixel((75, 75))[:3]  # type: ignore[index]
    assert min(r, g) > 200  # the yellow centre of the picture, not a corner
    assert b < 80
    assert all(variant(rendition, name).format == "WEBP" for name in rendition.variants)
    assert (rendition.width, rendition.height) == (2000, 1000)


def test_a_small_picture_is_never_upscaled_and_equal_variants_share_a_file() -> None:
    rendition = process_upload(image_bytes((400, 300), "PNG"), "image/png", LIMITS)

    assert variant(rendition, "small").size == (320, 240)
    assert variant(rendition, "medium").size == (400, 300)
    assert rendition.variants["medium"] == rendition.variants["large"]
    assert variant(rendition, "thumb").size == (150, 150)
    tiny = process_upload(image_bytes((40, 30), "PNG"), "image/png", LIMITS)
    assert variant(tiny, "thumb").size == (30, 30)  # cropped, not enlarged


def test_content_addresses_follow_the_uploaded_bytes() -> None:
    data = image_bytes((30, 20), "PNG")

    first, again = (process_upload(data, "image/png", LIMITS) for _ in range(2))
    other = process_upload(image_bytes((30, 20), "PNG", color=(1, 2, 3)), "image/png", LIMITS)

    assert first.source_sha256 == again.source_sha256 != other.source_sha256
    assert files(first) == files(again)  # same bytes in, same files out: re-running is safe


def test_png_alpha_is_kept_in_the_variants() -> None:
    picture = Image.new("RGBA", (200, 100), (255, 0, 0, 0))
    picture.paste((0, 0, 255, 255), (0, 0, 100, 100))

    small = variant(process_upload(image_bytes_of(picture, "PNG"), "image/png", LIMITS), "small")

    assert small.mode == "RGBA"
    assert small.size == (200, 100)
    assert small.getpixel((150, 50))[3] == 0  # type: ignore[index]
    assert small.getpixel((50, 50))[3] == 255  # type: ignore[index]


def test_a_cmyk_jpeg_comes_out_as_srgb() -> None:
    red_in_cmyk = Image.new("CMYK", (40, 40), (0, 255, 255, 0))

    rendition = process_upload(image_bytes_of(red_in_cmyk, "JPEG"), "image/jpeg", LIMITS)

    original = Image.open(io.BytesIO(rendition.original.data))
    assert original.mode == "RGB"  # browsers show CMYK JPEGs badly or not at all
    for image in (original, variant(rendition, "small")):
        r, g, b = image.convert("RGB").getpixel((20, 20))  # type: ignore[misc]
        assert r > 200
        assert max(g, b) < 60


def test_the_colour_profile_is_honoured() -> None:
    # Stored red, but the profile says the first channel is blue: it must show as blue.
    tagged = image_bytes((40, 40), "JPEG", color=(255, 0, 0), icc_profile=swapped_primaries_icc())

    rendition = process_upload(tagged, "image/jpeg", LIMITS)

    r, g, b = variant(rendition, "small").convert("RGB").getpixel((20, 20))  # type: ignore[misc]
    assert b > 200
    assert max(r, g) < 60
    original = Image.open(io.BytesIO(rendition.original.data))
    assert original.info.get("icc_profile") == swapped_primaries_icc()  # kept, for fidelity


def test_the_blurhash_decodes_to_the_picture_s_colours() -> None:
    picture = Image.new("RGB", (80, 40), (220, 20, 20))
    picture.paste((20, 20, 220), (40, 0, 80, 40))  # left half red, right half blue

    rendition = process_upload(image_bytes_of(picture, "PNG"), "image/png", LIMITS)

    pixels = blurhash.decode(rendition.blurhash, 16, 8)
    left, right = pixels[4][1], pixels[4][14]
    assert left[0] > left[2] + 80  # reddish
    assert right[2] > right[0] + 80  # bluish
    assert 6 <= len(rendition.blurhash) <= 64


def test_heic_from_an_iphone_is_accepted_and_served_as_jpeg() -> None:
    picture = Image.new("RGB", (64, 48), (10, 200, 10))
    out = io.BytesIO()
    pillow_heif.from_pillow(picture).save(out, quality=90)
    heic = out.getvalue()

    rendition = process_upload(heic, "image/heic", LIMITS)

    assert (rendition.width, rendition.height) == (64, 48)
    assert rendition.original.content_type == "image/jpeg"
    assert Image.open(io.BytesIO(rendition.original.data)).format == "JPEG"
    assert process_upload(heic, "image/heif", LIMITS).width == 64  # the other name for it


def test_avif_is_accepted() -> None:
    rendition = process_upload(image_bytes((64, 48), "AVIF"), "image/avif", LIMITS)

    assert rendition.original.content_type == "image/avif"
    assert variant(rendition, "small").size == (64, 48)


def test_an_animated_gif_keeps_its_animation_and_its_variants_show_the_first_frame() -> None:
    frames = [Image.new("RGB", (40, 40), colour) for colour in ((255, 0, 0), (0, 0, 255))]
    out = io.BytesIO()
    frames[0].save(out, format="GIF", save_all=True, append_images=frames[1:], duration=100)

    rendition = process_upload(out.getvalue(), "image/gif", LIMITS)

    assert Image.open(io.BytesIO(rendition.original.data)).n_frames == 2  # type: ignore[attr-defined]
    r, _, b = variant(rendition, "small").convert("RGB").getpixel((5, 5))  # type: ignore[misc]
    assert r > 200
    assert b < 60
    assert rendition.kind == "image"


def test_refusals_carry_a_code_and_a_status() -> None:
    jpeg = image_bytes((64, 48), "JPEG")

    assert refusal(png_bomb(20_000, 20_000), "image/png").code == "too_many_pixels"
    assert refusal(jpeg[: len(jpeg) // 2], "image/jpeg").code == "undecodable"
    text_with_jpeg_header = b"\xff\xd8\xff\xe0" + b"Dear diary, today I wrote a letter.\n" * 20
    assert refusal(text_with_jpeg_header, "image/jpeg").code == "undecodable"
    assert refusal(jpeg, "image/png").code == "type_mismatch"
    assert refusal(jpeg, "video/mp4").code == "type_mismatch"
    assert refusal(b"just text", "image/jpeg").status == 415


@pytest.mark.parametrize(
    "extra",
    [b"<script>alert(document.cookie)</script>", b"<html><body>hi</body></html>"],
    ids=["script", "html"],
)
def test_an_image_with_markup_hidden_in_it_is_refused(extra: bytes) -> None:
    refused = refusal(image_bytes((20, 20), "JPEG") + extra, "image/jpeg")

    assert (refused.code, refused.status) == ("polyglot_file", 415)


def test_a_png_with_an_archive_appended_is_refused() -> None:
    zip_tail = b"PK\x03\x04" + b"\0" * 26 + b"PK\x05\x06" + b"\0" * 18

    assert refusal(image_bytes((20, 20), "PNG") + zip_tail, "image/png").code == "polyglot_file"


def test_a_rejection_survives_the_trip_from_a_worker_process() -> None:
    import pickle

    crossed = pickle.dumps(MediaRejected("too_many_pixels", "big", 413))
    rejected = pickle.loads(crossed)  # noqa: S301 - bytes made just above

    assert (rejected.code, rejected.message, rejected.status) == ("too_many_pixels", "big", 413)


def test_media_work_runs_at_a_lower_cpu_priority_than_the_api() -> None:
    """A burst of uploads must not take the CPU from request handling."""
    import os

    from shutter.media import pool

    worker_niceness = asyncio.run(pool.call(1, os.nice, 0, timeout_s=60))

    assert worker_niceness >= min(os.nice(0) + pool.NICENESS, 19)


# -- video ---------------------------------------------------------------------------------


def probe(data: bytes) -> tuple[str, int, int, list[str], float]:
    with av.open(io.BytesIO(data)) as container:
        stream = container.streams.video[0]
        audio = [str(item.codec_context.name) for item in container.streams.audio]
        duration = float(container.duration or 0) / av.time_base
        return str(stream.codec_context.name), stream.width, stream.height, audio, duration


def test_an_mp4_becomes_web_playable_h264_aac_with_the_index_first_and_a_poster() -> None:
    rendition = process_upload(video_bytes("mp4", size=(96, 64), seconds=1.0), "video/mp4", LIMITS)

    assert rendition.kind == "video"
    mp4 = rendition.original
    assert (mp4.content_type, mp4.name) == ("video/mp4", "video.mp4")
    codec, width, height, audio, duration = probe(mp4.data)
    assert (codec, width, height, audio) == ("h264", 96, 64, ["aac"])
    assert 0.8 <= duration <= 1.3
    assert mp4.data.index(b"moov") < mp4.data.index(b"mdat")  # plays before it has all loaded
    assert rendition.duration_s is not None
    assert 0.8 <= rendition.duration_s <= 1.3
    assert (rendition.width, rendition.height) == (96, 64)
    assert rendition.poster is not None
    poster = Image.open(io.BytesIO(files(rendition)[rendition.poster]))
    assert (poster.format, poster.size) == ("WEBP", (96, 64))
    assert rendition.blurhash


def test_a_phone_movie_recorded_sideways_is_turned_upright() -> None:
    # Stored landscape with a display matrix saying "turn a quarter": shown portrait.
    movie = video_bytes("mov", size=(96, 64), rotation=90)

    rendition = process_upload(movie, "video/quicktime", LIMITS)

    assert (rendition.width, rendition.height) == (64, 96)
    _, width, height, _, _ = probe(rendition.original.data)
    assert (width, height) == (64, 96)
    poster = variant(rendition, "large").convert("L")
    # The white half was the top; turned counter-clockwise, it is the left half.
    assert poster.getpixel((10, 48)) > 200  # type: ignore[operator]
    assert poster.getpixel((54, 48)) < 120  # type: ignore[operator]


def test_webm_is_transcoded_to_mp4() -> None:
    webm = video_bytes("webm", codec="libvpx-vp9", seconds=0.5)

    rendition = process_upload(webm, "video/webm", LIMITS)

    codec, *_ = probe(rendition.original.data)
    assert (codec, rendition.original.content_type) == ("h264", "video/mp4")


def test_a_large_video_is_scaled_to_1080p_at_most() -> None:
    big = video_bytes("mp4", size=(2560, 1440), seconds=0.25, rate=4, audio=False)

    rendition = process_upload(big, "video/mp4", LIMITS)

    assert probe(rendition.original.data)[1:3] == (1920, 1080)


def test_video_limits_and_damage_are_refused() -> None:
    movie = video_bytes("mp4", seconds=1.0)
    short = Limits(64_000_000, 4096 * 2304, video_max_duration_s=0.5)

    assert refusal(movie, "video/mp4", short).code == "video_too_long"
    small = Limits(64_000_000, video_max_pixels=1000, video_max_duration_s=60)
    assert refusal(movie, "video/mp4", small).code == "too_many_pixels"
    assert refusal(movie[: len(movie) // 3], "video/mp4").code == "undecodable"
    assert refusal(image_bytes(), "video/mp4").code == "type_mismatch"


def image_bytes_of(picture: Image.Image, image_format: str) -> bytes:
    out = io.BytesIO()
    picture.save(out, format=image_format)
    return out.getvalue()


# -- bounded work per video: rate, frames, decoded length, wall clock -------------------------


def test_a_video_over_the_frame_rate_limit_is_refused() -> None:
    fast = lying_webm(frames=200, step_ms=1, claimed_rate=1000)

    rejected = refusal(fast, "video/webm")

    assert rejected.code == "frame_rate_too_high"
    assert "120 frames a second" in rejected.message


def test_a_header_that_understates_the_frame_rate_is_caught_while_decoding(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # 300 frames a millisecond apart (1,000 fps) in a file whose header says 30 fps.
    fast = lying_webm(frames=300, step_ms=1, claimed_rate=30)
    scaled = count_calls(monkeypatch, videos, "_filtered")

    rejected = refusal(fast, "video/webm")

    assert rejected.code == "frame_rate_too_high"
    assert scaled.calls < 20  # stopped early, and the extra frames were never scaled


def test_a_header_that_understates_the_length_is_caught_while_decoding(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Ten seconds of video at 10 fps in a file whose header claims half a second.
    long = lying_webm(frames=100, step_ms=100, claimed_rate=10, claimed_duration_s=0.5)
    two_seconds = Limits(64_000_000, 4096 * 2304, video_max_duration_s=2)
    decoded = count_calls(monkeypatch, videos, "_filtered")

    rejected = refusal(long, "video/webm", two_seconds)

    assert rejected.code == "video_too_long"
    assert decoded.calls <= 25  # decoding stopped just past two seconds, not at ten


def test_the_decoded_frame_count_and_the_job_deadline_are_limits() -> None:
    movie = video_bytes("mp4", size=(32, 32), seconds=1.0, rate=12, audio=False)

    few_frames = Limits(64_000_000, 4096 * 2304, 60, video_max_frames=5)
    assert refusal(movie, "video/mp4", few_frames).code == "too_many_frames"
    no_time = Limits(64_000_000, 4096 * 2304, 60, job_timeout_s=0.0)
    assert refusal(movie, "video/mp4", no_time).code == "processing_timeout"


def test_frames_beyond_sixty_a_second_are_dropped_not_encoded() -> None:
    quick = video_bytes("mp4", size=(32, 32), seconds=0.5, rate=120, audio=False)

    rendition = process_upload(quick, "video/mp4", LIMITS)

    with av.open(io.BytesIO(rendition.original.data)) as container:
        encoded = sum(1 for _ in container.demux(container.streams.video[0]) if _.size)
    assert encoded <= 31  # half a second at 60 fps, not the 60 frames sent


def test_a_job_past_its_wall_clock_limit_has_its_process_killed_and_replaced() -> None:
    from shutter.media import pool

    async def scenario() -> tuple[int, int]:
        first = await pool.call(1, os.getpid, timeout_s=60)
        with pytest.raises(pool.JobTimedOut):
            await pool.call(1, time.sleep, 30, timeout_s=0.5)
        second = await pool.call(1, os.getpid, timeout_s=60)
        return first, second

    first, second = asyncio.run(scenario())

    assert second != first
    with pytest.raises(ProcessLookupError):  # killed and reaped, not left running
        os.kill(first, 0)


class count_calls:
    """Wrap `module.name` so that its calls are counted."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, module: Any, name: str) -> None:
        self.calls = 0
        real = getattr(module, name)

        def counted(*args: Any, **kwargs: Any) -> Any:
            self.calls += 1
            return real(*args, **kwargs)

        monkeypatch.setattr(module, name, counted)
