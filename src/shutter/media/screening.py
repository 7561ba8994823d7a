"""Automatic screening of uploads (seed 004 §8.1), in the media worker, off the request path.
Trust and safety (moderation/) acts on the verdicts when the media is posted.

A `ContentClassifier` scores pictures from 0 (benign) to 1 (explicit). The real one is
NudeNet's detector (its ONNX model ships inside the `nudenet` wheel; nothing is downloaded)
on onnxruntime, on the CPU, one thread per worker process; the score of a picture is the
highest confidence of an exposed-nudity detection in it, and a video's is the highest of
its poster's and three frames' from along it. `FakeClassifier` stands in for
it in tests.

The verdict is a lifecycle in a few lines:
- score >= SHUTTER_MODERATION_REMOVE_THRESHOLD: `removed`, the media cannot be seen when
  posted (the post is created removed, queued for review, appealable);
- score >= SHUTTER_MODERATION_REVIEW_THRESHOLD: `sensitive`, posted blurred and queued;
- below: `clean`;
- the classifier crashed or timed out: `failed`; the media is processed all the same, and
  the post is queued for review.
"""

from __future__ import annotations

import io
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Any, Protocol

import anyio
import structlog

from shutter.media.images import Rendition

log = structlog.get_logger("shutter.media.screening")

# NudeNet's labels that make a picture explicit (faces, covered parts and feet do not).
EXPLICIT = frozenset(
    {
        "FEMALE_GENITALIA_EXPOSED",
        "MALE_GENITALIA_EXPOSED",
        "FEMALE_BREAST_EXPOSED",
        "BUTTOCKS_EXPOSED",
        "ANUS_EXPOSED",
    }
)
# The variant screened: 640 px wide is more than the model's 320 px input.
SCREENED_VARIANT = "medium"
MODEL_FILE = "320n.onnx"


class Verdict(Enum):
    CLEAN = "clean"
    SENSITIVE = "sensitive"
    REMOVED = "removed"
    FAILED = "failed"


class ContentClassifier(Protocol):
    def score(self, images: Sequence[bytes]) -> float:
        """The highest explicit-content score of the pictures (encoded bytes), 0 to 1."""
        ...


class NudeNetClassifier:
    """NudeNet's detector on onnxruntime (CPU, one intra-op thread: a worker process uses
    one core, the pool's size says how many)."""

    def __init__(self) -> None:
        import nudenet
        import onnxruntime
        from nudenet import NudeDetector

        model_path = Path(nudenet.__file__).parent / MODEL_FILE  # inside the wheel
        detector = NudeDetector(model_path=str(model_path))
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        detector.onnx_session = onnxruntime.InferenceSession(
            str(model_path), sess_options=options, providers=["CPUExecutionProvider"]
        )
        self._detector = detector

    def score(self, images: Sequence[bytes]) -> float:
        import numpy as np
        from PIL import Image

        best = 0.0
        for data in images:
            with Image.open(io.BytesIO(data)) as image:
                rgb = np.asarray(image.convert("RGB"))
            bgr = np.ascontiguousarray(rgb[:, :, ::-1])
            for found in self._detector.detect(bgr):
                if found["class"] in EXPLICIT:
                    best = max(best, float(found["score"]))
        return best


class FakeClassifier:
    """For tests: a picture's score is its mean red level (0-255) over 255, so a test
    picks a verdict by the colour it paints; `crash` makes it raise, `delay_s` makes it slow."""

    def __init__(self, *, crash: bool = False, delay_s: float = 0.0) -> None:
        self.crash = crash
        self.delay_s = delay_s
        self.calls = 0

    def score(self, images: Sequence[bytes]) -> float:
        from PIL import Image, ImageStat

        self.calls += 1
        if self.crash:
            raise RuntimeError("the fake classifier crashed, as asked")
        if self.delay_s:
            time.sleep(self.delay_s)
        best = 0.0
        for data in images:
            with Image.open(io.BytesIO(data)) as image:
                best = max(best, ImageStat.Stat(image.convert("RGB")).mean[0] / 255)
        return best


_process_classifier: NudeNetClassifier | None = None


def score_with_nudenet(images: Sequence[bytes]) -> float:
    """NudeNet's score, with one detector per (worker) process, loaded on first use."""
    global _process_classifier
    if _process_classifier is None:
        _process_classifier = NudeNetClassifier()
    return _process_classifier.score(images)


@dataclass(frozen=True, slots=True)
class Thresholds:
    remove: float
    review: float

    def verdict(self, score: float) -> Verdict:
        if score >= self.remove:
            return Verdict.REMOVED
        if score >= self.review:
            return Verdict.SENSITIVE
        return Verdict.CLEAN


def pictures_of(rendition: Rendition) -> list[bytes]:
    """What is screened: the medium variant of an image, or of a video's poster frame
    with frames from along the video (at a quarter, half and three quarters of it)."""
    name = rendition.variants.get(SCREENED_VARIANT)
    files = {item.name: item.data for item in rendition.files}
    return ([files[name]] if name in files else []) + rendition.screening_frames


Runner = Callable[[Sequence[bytes], float], Any]


async def screen(context: Any, rendition: Rendition) -> tuple[Verdict, float | None]:
    """(verdict, score) of a rendition; FAILED (never an exception) when the classifier
    crashed or took longer than SHUTTER_MODERATION_TIMEOUT_SECONDS."""
    from shutter.media import pool

    settings = context.settings
    pictures = pictures_of(rendition)
    if not pictures:
        return Verdict.CLEAN, None
    thresholds = Thresholds(
        settings.moderation_remove_threshold, settings.moderation_review_threshold
    )
    timeout_s = settings.moderation_timeout_seconds
    classifier: ContentClassifier | None = context.classifier
    started = time.perf_counter()
    try:
        if classifier is not None or settings.media_processes == 0:
            model = classifier or _ThreadModel()
            with anyio.fail_after(timeout_s):
                value = await anyio.to_thread.run_sync(
                    model.score, pictures, abandon_on_cancel=True
                )
        else:
            # In the media worker processes: a hung or crashed model is killed there.
            value = await pool.call(
                settings.media_processes, score_with_nudenet, pictures, timeout_s=timeout_s
            )
    except (TimeoutError, pool.JobTimedOut):
        log.error("screening_timed_out", after_s=timeout_s)
        return Verdict.FAILED, None
    except Exception as exc:
        log.error("screening_failed", error=f"{type(exc).__name__}: {exc}"[:300])
        return Verdict.FAILED, None
    score = float(value)
    log.info(
        "screened",
        score=round(score, 4),
        took_ms=round((time.perf_counter() - started) * 1000, 1),
    )
    return thresholds.verdict(score), score


class _ThreadModel:
    """NudeNet in this process's threads (media_processes = 0)."""

    def score(self, images: Sequence[bytes]) -> float:
        return score_with_nudenet(images)
