"""Settings of the visual editor (``SEGMENTLY_`` prefix, like every group in segmently.settings)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class EditorSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SEGMENTLY_", extra="ignore")

    # Let the editor's probe fetch pages on private addresses (localhost, 10.x, …): for
    # self-hosters who edit an intranet or development site. Off by default: the probe is a
    # server-side fetch of a user-supplied URL, so it is refused anything but public addresses.
    editor_allow_private_urls: bool = False
    editor_probe_timeout: float = Field(default=5.0, gt=0, le=30)
