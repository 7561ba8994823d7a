"""Media pipeline throughput on this machine, one process (one core):

- images processed per second for a 12-megapixel JPEG (validate, clean original, four WebP
  variants, blurhash), and
- seconds of video transcoded per second of wall time (720p H.264 source to the web MP4).

Run: PYTHONPATH=. .venv/bin/python bench/media.py [--images 5] [--video-seconds 10]
"""

from __future__ import annotations

import argparse
import io
import random
import time

from PIL import Image, ImageDraw
from tests.factories import video_bytes

from shutter.media.pipeline import Limits, process_upload

LIMITS = Limits(image_max_pixels=64_000_000, video_max_pixels=4096 * 2304, video_max_duration_s=900)


def photo_12mp() -> bytes:
    """A 4000x3000 JPEG with shapes and noise, about what a phone camera writes."""
    rng = random.Random(1)
    picture = Image.effect_noise((4000, 3000), 40).convert("RGB")
    draw = ImageDraw.Draw(picture)
    for _ in range(40):
        x, y, r = rng.randint(0, 4000), rng.randint(0, 3000), rng.randint(50, 600)
        draw.ellipse(
            (x - r, y - r, x + r, y + r), fill=tuple(rng.randint(0, 255) for _ in range(3))
        )
    out = io.BytesIO()
    picture.save(out, format="JPEG", quality=90)
    return out.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--images", type=int, default=5)
    parser.add_argument("--video-seconds", type=float, default=10.0)
    args = parser.parse_args()

    jpeg = photo_12mp()
    process_upload(jpeg, "image/jpeg", LIMITS)  # warm up
    start = time.process_time()
    wall = time.perf_counter()
    for _ in range(args.images):
        process_upload(jpeg, "image/jpeg", LIMITS)
    cpu = time.process_time() - start
    wall = time.perf_counter() - wall
    print(
        f"12 MP JPEG ({len(jpeg) / 1e6:.1f} MB): {args.images / cpu:.2f} images/s per core "
        f"(CPU time), {args.images / wall:.2f} images/s wall"
    )

    movie = video_bytes("mp4", size=(1280, 720), seconds=args.video_seconds, rate=30)
    start = time.process_time()
    wall = time.perf_counter()
    rendition = process_upload(movie, "video/mp4", LIMITS)
    cpu = time.process_time() - start
    wall = time.perf_counter() - wall
    seconds = rendition.duration_s or args.video_seconds
    print(
        f"720p30 video, {seconds:.1f} s: {seconds / wall:.2f} s of video per s wall, "
        f"{seconds / cpu:.2f} per CPU-second (x264 may use several threads)"
    )


if __name__ == "__main__":
    main()
