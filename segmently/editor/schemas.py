from __future__ import annotations

from typing import Literal

from pydantic import BaseModel


class ProbeOut(BaseModel):
    """What the editor needs to know before it frames ``url``."""

    url: str
    final_url: str
    reachable: bool
    status_code: int | None
    framable: bool
    frame_block: Literal["x-frame-options", "csp"] | None
    snippet_found: bool
    message: str
