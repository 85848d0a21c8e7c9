"""The install snippet a customer pastes into their page's <head>."""

from __future__ import annotations

from html import escape


def script_tag(base_url: str, api_key: str) -> str:
    return f'<script src="{escape(base_url)}/s/{escape(api_key)}.js"></script>'


def data_attribute_tag(base_url: str, api_key: str) -> str:
    return (
        f'<script src="{escape(base_url)}/segmently.js" data-api-key="{escape(api_key)}"></script>'
    )
