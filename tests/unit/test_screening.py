"""Screening's verdicts, with the fake classifier and with the real model (NudeNet on
onnxruntime, from the wheel) on generated pictures."""

from __future__ import annotations

import io

import pytest
from PIL import Image, ImageDraw

from shutter.media.pipeline import Limits, process_upload
from shutter.media.screening import (
    FakeClassifier,
    NudeNetClassifier,
    Thresholds,
    Verdict,
    pictures_of,
)
from tests.factories import video_bytes


def picture(color: tuple[int, int, int], size: tuple[int, int] = (640, 480)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, format="WEBP")
    return out.getvalue()


def scene() -> bytes:
    """A landscape of sorts: sky, a sun, a field, a house."""
    image = Image.new("RGB", (640, 480), (120, 170, 230))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 300, 640, 480), fill=(60, 140, 50))
    draw.ellipse((480, 40, 560, 120), fill=(250, 220, 80))
    draw.rectangle((120, 220, 260, 320), fill=(150, 90, 60))
    draw.polygon([(110, 220), (190, 160), (270, 220)], fill=(120, 40, 40))
    out = io.BytesIO()
    image.save(out, format="WEBP")
    return out.getvalue()


@pytest.mark.parametrize(
    ("score", "verdict"),
    [
        (0.0, Verdict.CLEAN),
        (0.69, Verdict.CLEAN),
        (0.7, Verdict.SENSITIVE),
        (0.94, Verdict.SENSITIVE),
        (0.95, Verdict.REMOVED),
        (1.0, Verdict.REMOVED),
    ],
)
def test_thresholds_decide_the_verdict(score: float, verdict: Verdict) -> None:
    assert Thresholds(remove=0.95, review=0.7).verdict(score) is verdict


def test_the_fake_scores_by_red_and_can_crash() -> None:
    fake = FakeClassifier()
    assert fake.score([picture((255, 0, 0))]) == pytest.approx(1.0, abs=0.02)
    assert fake.score([picture((0, 0, 255)), picture((128, 0, 0))]) == pytest.approx(0.5, abs=0.02)
    with pytest.raises(RuntimeError):
        FakeClassifier(crash=True).score([picture((0, 0, 0))])


def test_the_real_model_runs_and_scores_benign_pictures_low() -> None:
    model = NudeNetClassifier()
    scores = [
        model.score([data]) for data in (picture((200, 30, 30)), picture((230, 190, 160)), scene())
    ]
    assert all(0.0 <= value < 0.2 for value in scores), scores
    assert model.score([]) == 0.0


def test_a_video_is_screened_by_frames_from_along_it_not_by_its_poster_alone() -> None:
    """A video that is blue at its poster frame (one second in) and turns red (what the
    fake takes for explicit) from its second half: screening sees the red."""
    movie = video_bytes(
        "mp4",
        seconds=4.0,
        rate=4,
        audio=False,
        colour_at=lambda at: (20, 20, 200) if at < 2.0 else (255, 0, 0),
    )
    limits = Limits(image_max_pixels=1_000_000, video_max_pixels=1_000_000, video_max_duration_s=60)
    pictures = pictures_of(process_upload(movie, "video/mp4", limits))
    fake, thresholds = FakeClassifier(), Thresholds(remove=0.95, review=0.7)

    assert len(pictures) == 4  # the poster and three frames
    assert thresholds.verdict(fake.score(pictures[:1])) is Verdict.CLEAN
    assert thresholds.verdict(fake.score(pictures)) is not Verdict.CLEAN
