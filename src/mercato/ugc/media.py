"""Store media under data_dir/media: validate the format, make a thumbnail, compute a
perceptual hash (dHash) for duplicate detection and simple quality measures."""

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


def store_media(content: bytes, media_dir: Path, name: str) -> StoredMedia:
    """Validate and store one file as `<media_dir>/<name>.<ext>` (+ `_thumb.jpg`)."""
    if not content:
        raise MediaError("the media file is empty")
    if len(content) > MAX_BYTES:
        raise MediaError(f"the media file is larger than {MAX_BYTES // 1_000_000} MB")
    media_dir.mkdir(parents=True, exist_ok=True)
    video_type = sniff_video(content)
    if video_type:
        path = f"{name}.{VIDEO_EXTENSIONS[video_type]}"
        (media_dir / path).write_bytes(content)
        return StoredMedia("video", video_type, path, None, len(content))
    image = _open_image(content)
    mime = IMAGE_FORMATS[str(image.format)]
    path = f"{name}.{mime.split('/')[1]}"
    (media_dir / path).write_bytes(content)
    upright = ImageOps.exif_transpose(image).convert("RGB")
    thumb = upright.copy()
    thumb.thumbnail(THUMB_SIZE)
    thumb_path = f"{name}_thumb.jpg"
    thumb.save(media_dir / thumb_path, "JPEG", quality=82)
    gray = np.asarray(thumb.convert("L"))
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
