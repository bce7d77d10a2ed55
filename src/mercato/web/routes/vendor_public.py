"""Third-party browser assets served from installed Python packages (no CDN, works offline)."""

from __future__ import annotations

from pathlib import Path

import plotly
from fastapi import APIRouter
from fastapi.responses import FileResponse

router = APIRouter(tags=["public"])

PLOTLY_JS = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"


@router.get("/vendor/plotly.min.js", operation_id="plotly_js", include_in_schema=False)
def plotly_js() -> FileResponse:
    return FileResponse(
        PLOTLY_JS,
        media_type="text/javascript",
        headers={"Cache-Control": "public, max-age=86400"},
    )
