"""Hypothesis strategies for hostile input, shared by the property-based API tests."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st


def examples(n: int) -> settings:
    """Hypothesis settings of these tests: ``n`` examples, the same ones on every run (CI stays
    repeatable; raise ``n`` and drop ``derandomize`` by hand to hunt), no deadline (a request to
    the app is slow next to a pure function)."""
    return settings(
        max_examples=n, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True
    )


# Text with what hurts: control characters, NUL, lone surrogates (sent escaped, as JSON allows),
# right-to-left marks, emoji, very long runs.
hostile_text = st.one_of(
    st.text(max_size=40),
    st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=0x1F), max_size=5),
    st.sampled_from(["\x00", "\ud800", "a\udfffb", "\u202e", "😀" * 3, "", " ", "x" * 5000]),
)
numbers = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0, -1, 1e308, -1e-308, 2**53 + 1]),
)
scalars = st.one_of(st.none(), st.booleans(), numbers, hostile_text)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(hostile_text, inner, max_size=4)
    ),
    max_leaves=12,
)


def encode(body: Any) -> bytes:
    # ensure_ascii keeps lone surrogates as \ud800 escapes; NaN and Infinity, which the floats
    # above draw, are written as such (they are not JSON).
    return json.dumps(body, ensure_ascii=True).encode()
