"""What automatic screening adds to media processing, per image, on one core.

For a 12-megapixel JPEG and a phone-sized 1080p one: the pipeline alone (validate, clean
original, WebP variants, blurhash), then NudeNet on the medium variant as the media worker
runs it (onnxruntime on the CPU, one thread), in the same process, median of N runs.

Run: PYTHONPATH=. .venv/bin/python bench/screening.py [--images 7]
"""

from __future__ import annotations

import argparse
import statistics
import time

from bench.media import LIMITS, photo_12mp
from PIL import Image

from shutter.media.pipeline import process_upload
from shutter.media.screening import NudeNetClassifier, pictures_of


def photo(size: tuple[int, int]) -> bytes:
    import io

    out = io.BytesIO()
    Image.open(io.BytesIO(photo_12mp())).resize(size).save(out, format="JPEG", quality=90)
    return out.getvalue()


def median_ms(runs: int, work: object) -> float:
    assert callable(work)
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--images", type=int, default=7, help="runs per figure (median)")
    args = parser.parse_args()
    started = time.perf_counter()
    model = NudeNetClassifier()
    load_ms = (time.perf_counter() - started) * 1000
    print(f"model load (once per worker process): {load_ms:.0f} ms")
    print(f"{'image':<12} {'pipeline ms':>12} {'screening ms':>13} {'added':>7}")
    for name, data in (("12 MP JPEG", photo_12mp()), ("1080p JPEG", photo((1920, 1080)))):
        rendition = process_upload(data, "image/jpeg", LIMITS)
        pictures = pictures_of(rendition)
        model.score(pictures)  # warm up
        pipeline = median_ms(args.images, lambda d=data: process_upload(d, "image/jpeg", LIMITS))
        screening = median_ms(args.images, lambda p=pictures: model.score(p))
        print(f"{name:<12} {pipeline:>12.0f} {screening:>13.0f} {screening / pipeline:>7.0%}")
    print("(one core; a media worker process screens one image at a time)")


if __name__ == "__main__":
    main()
