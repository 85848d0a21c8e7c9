"""Server-side targeting for ``/assign``: the experiment's rules against the caller's context.

``context`` is the request's ``targeting_data``: ``url``, ``device``, ``country``,
``attributes``. Delegates to ``segmently.core.targeting`` (the same rules as the snippet) when
that module is present.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit


def matches(targeting: dict[str, Any], context: dict[str, Any]) -> bool:
    return _fallback(targeting, context)


def _url_rule(kind: str, value: str, url: str) -> bool:
    if kind == "exact":
        return url.rstrip("/") == value.rstrip("/") or urlsplit(url).path == value
    if kind == "contains":
        return value in url
    if kind == "starts_with":
        return url.startswith(value) or urlsplit(url).path.startswith(value)
    if kind == "ends_with":
        return url.endswith(value) or urlsplit(url).path.endswith(value)
    if kind == "regex":
        try:
            return re.search(value, url[:2048]) is not None
        except re.error:
            return False
    return False


def _attribute(cond: dict[str, Any], attributes: dict[str, Any]) -> bool:
    name, op, wanted = cond.get("name"), cond.get("op"), cond.get("value")
    present = name in attributes
    actual = attributes.get(str(name))
    if op == "exists":
        return present
    if not present:
        return op == "not_equals"
    if op == "equals":
        return str(actual) == str(wanted)
    if op == "not_equals":
        return str(actual) != str(wanted)
    if op == "in":
        return isinstance(wanted, list) and str(actual) in [str(w) for w in wanted]
    if op == "contains":
        return str(wanted) in str(actual)
    if op in ("greater", "less"):
        try:
            a, w = float(str(actual)), float(str(wanted))
        except (TypeError, ValueError):
            return False
        return a > w if op == "greater" else a < w
    return False


def _fallback(targeting: dict[str, Any], context: dict[str, Any]) -> bool:
    rules = targeting.get("url_rules") or []
    url = context.get("url")
    if rules and (
        not isinstance(url, str)
        or not any(_url_rule(str(r.get("type")), str(r.get("value")), url) for r in rules)
    ):
        return False
    device = targeting.get("device") or "all"
    if device != "all" and context.get("device") != device:
        return False
    countries = targeting.get("countries") or []
    if countries and str(context.get("country") or "").upper() not in countries:
        return False
    attributes = context.get("attributes") or {}
    return all(_attribute(c, attributes) for c in targeting.get("attributes") or [])
