"""A video's thumbnail is a frame decoded offline (PyAV): about a second in, saved as the
item's thumbnail, shown on the library page and served as a JPEG."""

from __future__ import annotations

import io
from fractions import Fraction
from pathlib import Path

import httpx
import numpy as np
import pytest
from PIL import Image

from mercato.runtime import Services
from mercato.ugc.items import set_status
from mercato.ugc.media import store_media
from tests.support.brands import PASSWORD, Brand
from tests.support.server import login
from tests.ugc.support import add, context

av = pytest.importorskip("av")
pytestmark = pytest.mark.usefixtures("without_model")

RED, GREEN = (220, 30, 30), (30, 200, 60)


def clip(seconds: float = 2.0, fps: int = 10, size: tuple[int, int] = (160, 96)) -> bytes:
    """An MP4 (MPEG-4 part 2) whose first half second is red and the rest green: a fade-in
    that the thumbnail must skip."""
    out = io.BytesIO()
    with av.open(out, "w", format="mp4") as container:
        stream = container.add_stream("mpeg4", rate=fps)
        stream.width, stream.height, stream.pix_fmt = size[0], size[1], "yuv420p"
        stream.time_base = Fraction(1, fps)
        for n in range(int(seconds * fps)):
            pixels = np.zeros((size[1], size[0], 3), np.uint8)
            pixels[:, :] = RED if n < fps // 2 else GREEN
            frame = av.VideoFrame.from_ndarray(pixels, format="rgb24")
            frame.pts = n
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return out.getvalue()


def _near(pixel: tuple[int, ...], colour: tuple[int, int, int]) -> bool:
    return all(abs(a - b) <= 40 for a, b in zip(pixel, colour, strict=False))


def test_video_gets_the_frame_a_second_in(tmp_path: Path) -> None:
    stored = store_media(clip(), tmp_path, "v")
    assert (stored.kind, stored.mime_type) == ("video", "video/mp4")
    assert stored.thumb_path == "v_thumb.jpg"
    assert (stored.width, stored.height) == (160, 96)
    assert stored.brightness is not None
    assert stored.sharpness is not None
    with Image.open(tmp_path / stored.thumb_path) as thumb:
        assert thumb.format == "JPEG"
        assert _near(thumb.convert("RGB").getpixel((80, 48)), GREEN)
    assert (tmp_path / "v.mp4").read_bytes()[4:8] == b"ftyp"
    # A clip shorter than the second: its last frame looked at, still a thumbnail.
    short = store_media(clip(seconds=0.3), tmp_path, "s")
    assert short.thumb_path == "s_thumb.jpg"
    with Image.open(tmp_path / "s_thumb.jpg") as thumb:
        assert _near(thumb.convert("RGB").getpixel((80, 48)), RED)
    # Not decodable (a header and nothing else): stored, no thumbnail, no error.
    broken = store_media(b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 100, tmp_path, "b")
    assert (broken.kind, broken.thumb_path) == ("video", None)


def test_video_items_show_their_thumbnail(
    services: Services, brand: Brand, live_server: str
) -> None:
    with services.catalog.session() as s:
        item = add(
            s,
            context(services, brand.workspace_id),
            "reel-1",
            "Unboxing the harbor jacket <b>#reel</b>",
            platform="tiktok",
            files=[clip()],
        )
        assert item.content_type == "video"
        set_status(s, brand.workspace_id, [item.id], "approved")
        item_id = item.id
    with httpx.Client(base_url=live_server, timeout=20) as client:
        login(client, brand.email(), PASSWORD)
        page = client.get("/ugc", params={"content_type": "video"})
        assert page.status_code == 200
        assert page.text.count('class="tile-ugc"') == 1
        assert "?thumb=true" in page.text
        assert 'alt="UGC video"' in page.text
        src = page.text.split('<img src="', 1)[1].split('"', 1)[0]
        thumb = client.get(src)
        assert thumb.status_code == 200
        assert thumb.headers["content-type"] == "image/jpeg"
        with Image.open(io.BytesIO(thumb.content)) as image:
            assert image.size == (160, 96)
        assert client.get(f"/ugc/items/{item_id}").status_code == 200
