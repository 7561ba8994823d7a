"""Video: probe with PyAV, enforce limits, transcode to web-playable H.264/AAC MP4 with the
index (moov atom) at the front, and make a poster frame; keep a few frames from along the
video (small JPEGs, never stored) for screening to look at besides the poster.

The work per upload is bounded by what is decoded, never by what the header claims: the
duration, the frame count and the frame rate are counted frame by frame while decoding, and
decoding stops as soon as one of them (or the job's deadline) is passed. Frames beyond
MAX_FPS a second are dropped before scaling and encoding, so a high-rate file costs little
more than its decoding.

PyAV's wheels ship FFmpeg with libx264, so the output is H.264 High profile from x264
(`veryfast`, CRF 23) in yuv420p, which every browser plays; audio becomes AAC-LC stereo.
Like images.py this is pure CPU work on bytes, run in a worker process.
"""

from __future__ import annotations

import io
import math
import os
import tempfile
import time
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import av
import av.error
from PIL import Image

from shutter.media.images import MediaRejected, Rendition, StoredFile, render_still, to_srgb

ACCEPTED_CONTAINERS = {"mov,mp4,m4a,3gp,3g2,mj2", "matroska,webm"}
MAX_LONG_SIDE, MAX_SHORT_SIDE = 1920, 1080  # "1080p", in either orientation
MAX_FPS = 60
POSTER_AT_S = 1.0  # the poster is the frame at one second (the first is often black)
X264_OPTIONS = {"preset": "veryfast", "crf": "23", "profile": "high"}
AUDIO_RATE = 48_000
# Screening (screening.py) sees the poster and the frames at these points of the video.
SCREENED_AT = (0.25, 0.5, 0.75)
SCREENED_WIDTH = 640


@dataclass(frozen=True, slots=True)
class VideoLimits:
    max_duration_s: float
    max_pixels: int
    max_fps: float = 120.0  # decoded frames per second of video, averaged
    max_frames: int = 108_000  # decoded video frames, whatever their timestamps say
    deadline: float | None = None  # time.monotonic() after which the work is given up


def process_video(data: bytes, limits: VideoLimits) -> Rendition:
    """Probe, check and transcode a video; the rendition's original is the MP4."""
    try:
        return _transcode(data, limits)
    except MediaRejected:
        raise
    except (av.error.FFmpegError, ValueError, IndexError, EOFError) as exc:
        raise MediaRejected("undecodable", "The video is damaged or truncated.") from exc


@dataclass(frozen=True, slots=True)
class Probe:
    codec: str
    width: int  # as displayed (rotation applied)
    height: int
    rotation: int  # counter-clockwise degrees: 0, 90, 180 or 270
    duration_s: float
    has_audio: bool


def probe(container: Any) -> Probe:
    """Codec, displayed size, rotation and duration of a container's first video stream."""
    if container.format.name not in ACCEPTED_CONTAINERS:
        raise MediaRejected("unsupported_content", "The file is not a supported video.", 415)
    if not container.streams.video:
        raise MediaRejected("no_video_stream", "The file has no video track.")
    stream = container.streams.video[0]
    width, height = int(stream.codec_context.width), int(stream.codec_context.height)
    if width <= 0 or height <= 0:
        raise MediaRejected("undecodable", "The video has no picture size.")
    duration = 0.0
    if stream.duration is not None and stream.time_base is not None:
        duration = float(stream.duration * stream.time_base)
    elif container.duration is not None:
        duration = container.duration / av.time_base
    rotation = _rotation_of(container, stream)
    if rotation in (90, 270):
        width, height = height, width
    return Probe(
        codec=str(stream.codec_context.name),
        width=width,
        height=height,
        rotation=rotation,
        duration_s=duration,
        has_audio=bool(container.streams.audio),
    )


def _rotation_of(container: Any, stream: Any) -> int:
    """The display rotation a phone records (the display matrix, which FFmpeg hands out
    with each decoded frame; else the old `rotate` tag), as 0/90/180/270 counter-clockwise.
    Decodes the first frame, so the container must be opened again to transcode."""
    degrees = 0.0
    try:
        for frame in container.decode(stream):
            degrees = float(frame.rotation or 0)
            break
        if not degrees and "rotate" in stream.metadata:  # clockwise
            degrees = -float(stream.metadata["rotate"])
    except (TypeError, ValueError):
        degrees = 0.0
    return round(degrees / 90.0) % 4 * 90


def _output_size(width: int, height: int) -> tuple[int, int]:
    """At most 1080p in either orientation, never upscaled, even sides (yuv420p)."""
    long_cap, short_cap = MAX_LONG_SIDE, MAX_SHORT_SIDE
    if width >= height:
        scale = min(1.0, long_cap / width, short_cap / height)
    else:
        scale = min(1.0, short_cap / width, long_cap / height)
    return max(2, int(width * scale) // 2 * 2), max(2, int(height * scale) // 2 * 2)


def _too_long(limits: VideoLimits) -> MediaRejected:
    return MediaRejected(
        "video_too_long", f"The video lasts more than {limits.max_duration_s:.0f} s."
    )


def _too_fast(limits: VideoLimits) -> MediaRejected:
    return MediaRejected(
        "frame_rate_too_high",
        f"The video has more than {limits.max_fps:g} frames a second; at most "
        f"{limits.max_fps:g} are accepted.",
    )


def _too_many_frames(limits: VideoLimits) -> MediaRejected:
    return MediaRejected(
        "too_many_frames",
        f"The video has more than {limits.max_frames} frames; at most {limits.max_frames} "
        "are accepted.",
    )


def _out_of_time() -> MediaRejected:
    return MediaRejected(
        "processing_timeout", "Processing the video took too long; it was given up.", 422
    )


class _Budget:
    """What decoding may still spend: checked for every decoded frame, so that a file whose
    header under-states its length, rate or frame count is stopped as soon as it shows."""

    def __init__(self, limits: VideoLimits) -> None:
        self.limits = limits
        self.frames = 0

    def video_frame(self, seconds: float) -> None:
        """Count a decoded video frame at `seconds` from the first; raise when over."""
        limits = self.limits
        self.frames += 1
        if seconds > limits.max_duration_s:
            raise _too_long(limits)
        if self.frames > limits.max_frames:
            raise _too_many_frames(limits)
        # The rate averaged over what was decoded, with one second's allowance so that
        # a variable-rate start is not mistaken for a fast file.
        if self.frames > limits.max_fps * (seconds + 1.0):
            raise _too_fast(limits)
        self.check_clock()

    def audio_frame(self, seconds: float | None) -> None:
        if seconds is not None and seconds > self.limits.max_duration_s + 1.0:
            raise _too_long(self.limits)
        self.check_clock()

    def check_clock(self) -> None:
        deadline = self.limits.deadline
        if deadline is not None and time.monotonic() > deadline:
            raise _out_of_time()


@dataclass(slots=True)
class _Samples:
    """The frames kept for screening: the first at or after each time of `at` (seconds)."""

    at: list[float]
    kept: list[bytes] = field(default_factory=list)

    def offer(self, seconds: float, frame: Any) -> None:
        if not self.at or seconds < self.at[0]:
            return
        while self.at and seconds >= self.at[0]:
            self.at.pop(0)
        picture = to_srgb(frame.to_image())
        if picture.width > SCREENED_WIDTH:
            height = max(1, round(picture.height * SCREENED_WIDTH / picture.width))
            picture = picture.resize((SCREENED_WIDTH, height), Image.Resampling.BILINEAR)
        out = io.BytesIO()
        picture.save(out, "JPEG", quality=85)
        self.kept.append(out.getvalue())


def _transcode(data: bytes, limits: VideoLimits) -> Rendition:
    with av.open(io.BytesIO(data), mode="r") as source:
        info = probe(source)
        if info.width * info.height > limits.max_pixels:
            raise MediaRejected(
                "too_many_pixels",
                f"The video is {info.width}x{info.height}; at most {limits.max_pixels} "
                "pixels are accepted.",
                413,
            )
        if info.duration_s > limits.max_duration_s:
            raise MediaRejected(
                "video_too_long",
                f"The video lasts {info.duration_s:.0f} s; at most "
                f"{limits.max_duration_s:.0f} s are accepted.",
            )
        # No refusal on the header's frame rate: some (browser-made WebM) state their
        # time base there. _Budget measures the rate of the frames as they are decoded.
    with (
        av.open(io.BytesIO(data), mode="r") as source,
        tempfile.TemporaryDirectory(prefix="shutter-video-") as workdir,
    ):
        path = os.path.join(workdir, "out.mp4")
        samples = _Samples([info.duration_s * point for point in SCREENED_AT])
        poster, duration = _encode(source, info, path, _Budget(limits), samples)
        with open(path, "rb") as out:
            mp4 = out.read()
    if poster is None:
        raise MediaRejected("undecodable", "The video has no frames that can be decoded.")
    if duration > limits.max_duration_s:  # the last frame's own length may tip it over
        raise _too_long(limits)
    rendition = render_still(poster, kind="video")
    rendition.poster = rendition.variants["large"]
    rendition.original = StoredFile("video.mp4", mp4, "video/mp4")
    rendition.files.append(rendition.original)
    rendition.duration_s = round(duration or info.duration_s, 3)
    rendition.screening_frames = samples.kept
    return rendition


def _encode(
    source: Any, info: Probe, path: str, budget: _Budget, samples: _Samples
) -> tuple[Image.Image | None, float]:
    """Transcode into `path` (`+faststart` rewrites the file with the moov atom first);
    returns the poster picture and the decoded duration in seconds, and offers each frame
    to `samples`. At most `rate` frames a second are kept (the others are dropped before
    scaling); `budget` stops decoding."""
    video_in = source.streams.video[0]
    video_in.thread_type = "AUTO"
    rate = video_in.average_rate or video_in.guessed_rate or Fraction(30)
    rate = min(Fraction(rate).limit_denominator(1001), Fraction(MAX_FPS))
    width, height = _output_size(info.width, info.height)
    graph = _filter_graph(video_in, info.rotation, width, height)
    poster: Image.Image | None = None
    last_time = 0.0
    audio_in = source.streams.audio[0] if info.has_audio else None
    with av.open(path, mode="w", format="mp4", options={"movflags": "+faststart"}) as sink:
        video_out = sink.add_stream("libx264", rate=rate, options=X264_OPTIONS)
        video_out.width, video_out.height, video_out.pix_fmt = width, height, "yuv420p"
        video_out.codec_context.time_base = Fraction(1, 90_000)
        audio_out = resampler = None
        if audio_in is not None:
            audio_out = sink.add_stream("aac", rate=AUDIO_RATE)
            audio_out.layout = "stereo"
            audio_out.bit_rate = 128_000
            resampler = av.AudioResampler(
                format="fltp", layout="stereo", rate=AUDIO_RATE, frame_size=1024
            )
        streams = [video_in] if audio_in is None else [video_in, audio_in]
        first_pts: float | None = None
        audio_samples = 0
        last_slot = -1
        for frame in source.decode(*streams):
            if isinstance(frame, av.AudioFrame):
                budget.audio_frame(float(frame.time) if frame.time is not None else None)
                assert resampler is not None
                assert audio_out is not None
                for chunk in resampler.resample(frame):
                    chunk.pts = audio_samples
                    chunk.time_base = Fraction(1, AUDIO_RATE)
                    audio_samples += chunk.samples
                    sink.mux(audio_out.encode(chunk))
                continue
            seconds = float(frame.time) if frame.time is not None else last_time
            if first_pts is None:
                first_pts = seconds
            seconds -= first_pts
            if seconds < last_time:  # out-of-order or repeated stamps: keep time moving
                seconds = last_time + 1 / float(rate)
            last_time = seconds
            budget.video_frame(seconds)
            slot = math.floor(seconds * float(rate))
            if slot <= last_slot:  # a second frame in the same output slot: dropped
                continue
            last_slot = slot
            for upright in _filtered(graph, frame):
                if poster is None or seconds <= POSTER_AT_S:
                    poster = to_srgb(upright.to_image())
                samples.offer(seconds, upright)
                upright.pts = round(seconds * 90_000)
                upright.time_base = Fraction(1, 90_000)
                sink.mux(video_out.encode(upright))
        sink.mux(video_out.encode(None))
        if audio_out is not None and resampler is not None:
            for chunk in resampler.resample(None):
                chunk.pts = audio_samples
                audio_samples += chunk.samples
                sink.mux(audio_out.encode(chunk))
            sink.mux(audio_out.encode(None))
    duration = last_time + 1 / float(rate) if poster is not None else 0.0
    return poster, duration


def _filter_graph(stream: Any, rotation: int, width: int, height: int) -> Any:
    """Rotate upright (players ignore the phone's display matrix once we re-encode), scale
    and convert to yuv420p, in FFmpeg's filters."""
    graph = av.filter.Graph()
    nodes = [graph.add_buffer(template=stream)]
    if rotation == 90:
        nodes.append(graph.add("transpose", "cclock"))
    elif rotation == 270:
        nodes.append(graph.add("transpose", "clock"))
    elif rotation == 180:
        nodes.append(graph.add("hflip"))
        nodes.append(graph.add("vflip"))
    nodes.append(graph.add("scale", f"{width}:{height}"))
    nodes.append(graph.add("format", "yuv420p"))
    nodes.append(graph.add("buffersink"))
    graph.link_nodes(*nodes).configure()
    return graph


def _filtered(graph: Any, frame: Any) -> list[Any]:
    graph.push(frame)
    frames = []
    while True:
        try:
            frames.append(graph.pull())
        except (av.error.BlockingIOError, av.error.EOFError):
            return frames
