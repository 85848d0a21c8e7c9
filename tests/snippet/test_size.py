"""The snippet's size budget is a check, not a paragraph: ≤ 6,000 bytes gzip -9."""

from __future__ import annotations

from segmently.benchmarks import snippet


def test_core_file_within_budget() -> None:
    sizes = snippet.sizes()
    core = sizes["segmently_core"]
    assert core["gzip9_bytes"] <= snippet.SIZE_BUDGET, core
    assert core["within_budget"] is True
    # The preview panel and badge stay out of the visitor's file.
    assert b"Powered by Segmently" not in snippet.service.core().body
    assert sizes["segmently_lazy_chunk"]["gzip9_bytes"] > 0


def test_delivered_snippet_is_the_core_with_a_config_prefix() -> None:
    body = snippet._delivered_snippet()
    assert body.startswith(b"self.__sgc={")
    assert body.endswith(snippet.service.core().body)
