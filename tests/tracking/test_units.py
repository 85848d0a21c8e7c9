"""Small pure pieces of ingestion."""

from __future__ import annotations

import pytest

from segmently.tracking.service import truncate_ip
from segmently.tracking.store import url_matches


@pytest.mark.parametrize(
    ("ip", "kept"),
    [
        ("203.0.113.77", "203.0.113.0/24"),
        ("2001:db8:abcd:12:34::1", "2001:db8:abcd::/48"),
        ("::ffff:198.51.100.9", "198.51.100.0/24"),
        ("testclient", None),
        ("", None),
    ],
)
def test_only_a_truncated_address_is_kept(ip: str, kept: str | None) -> None:
    assert truncate_ip(ip) == kept


@pytest.mark.parametrize(
    ("pattern", "path", "hit"),
    [
        ("", "/", True),
        ("/", "/", True),
        ("/", "/product", False),
        ("/product", "/products/123", True),
        ("/product", "/Product", False),
        ("/cart", "/shop/cart/view", True),
        ("https://other.example/cart", "/cart", True),
        ("/cart", None, False),
    ],
)
def test_funnel_url_rule_of_the_spec(pattern: str, path: str | None, hit: bool) -> None:
    assert url_matches(pattern, path) is hit
