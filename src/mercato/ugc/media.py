"""Store media under data_dir/media: validate the format, make a thumbnail, compute a
perceptual hash (dHash) for duplicate detection and simple quality measures. A video's
thumbnail is a frame decoded offline with PyAV (FFmpeg's libraries in its wheel)."""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from mercato.core.errors import MercatoError

MAX_BYTES = 25 * 1024 * 1024
MAX_PIXELS = 60_000_000
THUMB_SIZE = (480, 480)
IMAGE_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp", "GIF": "image/gif"}
VIDEO_EXTENSIONS = {"video/mp4": "mp4", "video/quicktime": "mov", "video/webm": "webm"}
# A video's thumbnail is its frame this many seconds in (past a fade-in; the last decoded one
# of a shorter clip), looking at no more than VIDEO_MAX_FRAMES frames.
VIDEO_FRAME_AT = 1.0
VIDEO_MAX_FRAMES = 240
# Two photos whose 64-bit dHashes differ in at most this many bits are the same picture.
DUPLICATE_DISTANCE = 6


class MediaError(MercatoError):
    """The media cannot be used; the message is shown on the item."""

    code = "media_invalid"


@dataclass(frozen=True)
class StoredMedia:
    kind: str
    mime_type: str
    path: str
    thumb_path: str | None
    byte_size: int
    width: int | None = None
    height: int | None = None
    phash: str | None = None
    sharpness: float | None = None
    brightness: float | None = None


def sniff_video(content: bytes) -> str | None:
    if len(content) >= 12 and content[4:8] == b"ftyp":
        return "video/quicktime" if content[8:10] == b"qt" else "video/mp4"
    if content.startswith(b"\x1a\x45\xdf\xa3"):
        return "video/webm"
    return None


def dhash(image: Image.Image) -> str:
    """Difference hash: 64 bits of 'is this pixel brighter than its right neighbour'."""
    small = np.asarray(image.convert("L").resize((9, 8), Image.Resampling.LANCZOS), dtype=np.int16)
    bits = (small[:, 1:] > small[:, :-1]).flatten()
    value = 0
    for bit in bits:
        value = (value << 1) | int(bit)
    return f"{value:016x}"


def hamming(first: str, second: str) -> int:
    return (int(first, 16) ^ int(second, 16)).bit_count()


def sharpness_of(gray: np.ndarray) -> float:
    """Variance of the 4-neighbour Laplacian: low values mean blur."""
    g = gray.astype(np.float64)
    lap = -4 * g[1:-1, 1:-1] + g[:-2, 1:-1] + g[2:, 1:-1] + g[1:-1, :-2] + g[1:-1, 2:]
    return float(lap.var()) if lap.size else 0.0


def quality_score(width: int, height: int, sharpness: float, brightness: float) -> float:
    """0..1: enough pixels, not blurred, neither too dark nor blown out."""
    resolution = min(1.0, (width * height) / (1080 * 1080))
    crisp = min(1.0, sharpness / 300.0)
    exposure = max(0.0, 1.0 - abs(brightness - 128.0) / 128.0)
    return round(0.4 * resolution + 0.4 * crisp + 0.2 * exposure, 4)


def _open_image(content: bytes) -> Image.Image:
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(content))
            if image.width * image.height > MAX_PIXELS:
                raise MediaError(
                    f"image is {image.width}x{image.height}: more than {MAX_PIXELS:,} pixels"
                )
            image.load()
        except (UnidentifiedImageError, Image.DecompressionBombError, Warning):
            raise MediaError(
                "unknown or malformed media: expected JPEG, PNG, WebP, GIF, MP4, MOV or WebM"
            ) from None
        except (OSError, SyntaxError, ValueError) as exc:
            raise MediaError(f"malformed image: {exc}") from None
    if image.format not in IMAGE_FORMATS:
        raise MediaError(f"unsupported image format {image.format}")
    return image


def video_frame(content: bytes) -> Image.Image | None:
    """The thumbnail frame of a video as RGB, or None when PyAV is not installed or the file
    has no decodable video stream (the video is then stored without a thumbnail)."""
    try:
        import av
    except ImportError:
        return None
    chosen = None
    try:
        with av.open(io.BytesIO(content), mode="r") as container:
            if not container.streams.video:
                return None
            stream = container.streams.video[0]
            if (stream.width or 0) * (stream.height or 0) > MAX_PIXELS:
                return None
            for count, frame in enumerate(container.decode(stream)):
                chosen = frame
                if (frame.time or 0.0) >= VIDEO_FRAME_AT or count + 1 >= VIDEO_MAX_FRAMES:
                    break
            if chosen is None:
                return None
            image: Image.Image = chosen.to_image()  # type: ignore[no-untyped-call]
            return image.convert("RGB")
    except (av.FFmpegError, ValueError, OSError):
        return None


def _thumbnail(upright: Image.Image, media_dir: Path, name: str) -> tuple[str, np.ndarray]:
    """Save `<name>_thumb.jpg`; its path and grey pixels (for the quality measures)."""
    thumb = upright.copy()
    thumb.thumbnail(THUMB_SIZE)
    thumb_path = f"{name}_thumb.jpg"
    thumb.save(media_dir / thumb_path, "JPEG", quality=82)
    return thumb_path, np.asarray(thumb.convert("L"))


def _store_video(content: bytes, media_dir: Path, name: str, video_type: str) -> StoredMedia:
    path = f"{name}.{VIDEO_EXTENSIONS[video_type]}"
    (media_dir / path).write_bytes(content)
    frame = video_frame(content)
    if frame is None:
        return StoredMedia("video", video_type, path, None, len(content))
    thumb_path, gray = _thumbnail(frame, media_dir, name)
    return StoredMedia(
        kind="video",
        mime_type=video_type,
        path=path,
        thumb_path=thumb_path,
        byte_size=len(content),
        width=frame.width,
        height=frame.height,
        sharpness=round(sharpness_of(gray), 2),
        brightness=round(float(gray.mean()), 2),
    )


def store_media(content: bytes, media_dir: Path, name: str) -> StoredMedia:
    """Validate and store one file as `<media_dir>/<name>.<ext>` (+ `_thumb.jpg`)."""
    if not content:
        raise MediaError("the media file is empty")
    if len(content) > MAX_BYTES:
        raise MediaError(f"the media file is larger than {MAX_BYTES // 1_000_000} MB")
    media_dir.mkdir(parents=True, exist_ok=True)
    video_type = sniff_video(content)
    if video_type:
        return _store_video(content, media_dir, name, video_type)
    image = _open_image(content)
    mime = IMAGE_FORMATS[str(image.format)]
    path = f"{name}.{mime.split('/')[1]}"
    (media_dir / path).write_bytes(content)
    upright = ImageOps.exif_transpose(image).convert("RGB")
    thumb_path, gray = _thumbnail(upright, media_dir, name)
    return StoredMedia(
        kind="photo",
        mime_type=mime,
        path=path,
        thumb_path=thumb_path,
        byte_size=len(content),
        width=upright.width,
        height=upright.height,
        phash=dhash(upright),
        sharpness=round(sharpness_of(gray), 2),
        brightness=round(float(gray.mean()), 2),
    )
