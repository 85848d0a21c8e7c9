"""Regenerate ``spec/targeting.json``: cross-language targeting cases (docs/hashing.md).

Every expectation below is written by hand; the script refuses to write the file if the
Python implementation disagrees with any of them. The snippet's tests replay the same file.
Run ``python spec/generate_targeting.py`` from the repository root.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from segmently.core.countries import UNKNOWN_COUNTRY_CODES
from segmently.core.regex_subset import (
    MAX_PATTERN_LENGTH,
    MAX_SUBJECT_LENGTH,
    validate_regex,
)
from segmently.core.targeting import (
    UrlMatch,
    UrlRule,
    Visitor,
    check_targeting,
    compile_targeting,
    parse_targeting,
    url_matches,
)

OUTPUT = Path(__file__).resolve().parent / "targeting.json"

P = "https://example.com/pricing"
# (type, value, url, matches)
URL_CASES: list[tuple[str, str, str, bool]] = [
    ("exact", P, P, True),
    ("exact", P, P + "/", True),
    ("exact", P + "/", P, True),
    ("exact", P, P + "?utm_source=mail", True),
    ("exact", P, P + "/?utm_source=mail#plans", True),
    ("exact", P, P + "#plans", True),
    ("exact", P, "https://example.com/pricing/team", False),
    ("exact", P, "https://example.com/Pricing", False),
    ("exact", P, "http://example.com/pricing", False),
    ("exact", P + "?plan=pro", P + "?plan=pro", True),
    ("exact", P + "?plan=pro", P + "?plan=pro#x", True),
    ("exact", P + "?plan=pro", P + "?plan=team", False),
    ("exact", P + "?plan=pro", P, False),
    ("exact", "https://example.com", "https://example.com/", True),
    ("exact", "https://example.com/", "https://example.com/?a=1", True),
    ("contains", "/product/", "https://shop.com/product/42", True),
    ("contains", "/product/", "https://shop.com/products/42", False),
    ("contains", "/product/", "https://shop.com/?next=/product/1", True),
    ("contains", "/Product/", "https://shop.com/product/42", False),
    ("starts_with", "https://example.com/blog/", "https://example.com/blog/post-1", True),
    ("starts_with", "https://example.com/blog/", "https://example.com/blog", False),
    ("starts_with", "https://example.com/blog/", "https://www.example.com/blog/x", False),
    ("ends_with", "/checkout", "https://shop.com/checkout", True),
    ("ends_with", "/checkout", "https://shop.com/checkout/", True),
    ("ends_with", "/checkout", "https://shop.com/checkout?step=2", True),
    ("ends_with", "/checkout", "https://shop.com/checkout#pay", True),
    ("ends_with", "/checkout", "https://shop.com/checkout/done", False),
    ("ends_with", "/checkout/", "https://shop.com/checkout", True),
    ("ends_with", "step=2", "https://shop.com/checkout?step=2", True),
    ("ends_with", "/", "https://shop.com/", True),
    ("ends_with", "/", "https://shop.com/a", False),
    ("regex", r"^https://example\.com/product/[0-9]+$", "https://example.com/product/42", True),
    ("regex", r"^https://example\.com/product/[0-9]+$", "https://example.com/product/42/", False),
    ("regex", r"^https://example\.com/product/[0-9]+$", "https://example.com/product/4x", False),
    ("regex", r"^https://example\.com/product/[0-9]+$", "https://exampleXcom/product/4", False),
    ("regex", r"product/\d+", "https://example.com/product/42?x=1", True),
    ("regex", r"product/\d+", "https://example.com/product/\u0664\u0662", False),  # Arabic digits
    ("regex", r"a$", "https://x.com/a", True),
    ("regex", r"a$", "https://x.com/a\n", False),  # line terminators never match
    ("regex", r"^.{5}$", "ab😀c", True),  # UTF-16: the emoji counts as two
    ("regex", r"^.{4}$", "ab😀c", False),
    ("regex", r"x\sy", "x\u00a0y", True),  # JS \s includes NBSP
    ("regex", r"x\sy", "x\u2003y", True),
    ("regex", r"x\Sy", "x\u00a0y", False),
    ("regex", r"\bcart\b", "https://x.com/cart?a", True),
    ("regex", r"\bcart\b", "https://x.com/carts", False),
    ("regex", r"caf\u00e9", "https://x.com/caf\u00e9", True),
    ("regex", r"(checkout|cart)", "https://x.com/cart", True),
    ("regex", r"^https://(www\.)?shop\.com/", "https://shop.com/x", True),
    ("regex", r"^https://(www\.)?shop\.com/", "https://www.shop.com/x", True),
    ("regex", r"[^/]+/[^/]+/x", "https://a/b/x", True),
    ("regex", r"\d+", "https://x.com/" + "1" * MAX_SUBJECT_LENGTH, False),  # too long
    ("regex", r"\d+", ("https://x.com/" + "1" * MAX_SUBJECT_LENGTH)[:MAX_SUBJECT_LENGTH], True),
]

# (pattern, accepted)
REGEX_CASES: list[tuple[str, bool]] = [
    (r"^https://example\.com/product/[0-9]+$", True),
    (r"/checkout", True),
    (r"\d+\.\d+", True),
    (r"[^/]+/[^/]+", True),
    (r".*product.*", True),
    (r"^https://.*\.example\.com/.*$", True),
    (r"(ab)+", True),
    (r"(\d{3}-)*\d{4}", True),
    (r"^(?:https?://)?(www\.)?example\.com", True),
    (r"a{2,5}?b", True),
    (r"[a-z\-_]+", True),
    (r"\u00e9|\x41", True),
    (r"/p/.*/q/", True),
    (r"(a+)+", False),
    (r"(a|ab)*", False),
    (r"(\d+\.)*", False),
    (r"\d+\d+x", False),
    (r".*a.*a.*b", False),
    (r".*/p/.*/q/", False),
    (r"(?=x)", False),
    (r"(?!x)", False),
    (r"(?<=x)y", False),
    (r"(?<name>x)", False),
    (r"(?P<name>x)", False),
    (r"(?i)x", False),
    (r"(a)\1", False),
    (r"a{", False),
    (r"a{,5}", False),
    (r"a}", False),
    (r"a]", False),
    (r"a**", False),
    (r"a*+", False),
    (r"^*", False),
    (r"[]", False),
    (r"[^]", False),
    (r"[z-a]", False),
    (r"[a--b]", False),
    (r"[a&&b]", False),
    (r"[[a]", False),
    (r"[\d-z]", False),
    (r"\q", False),
    (r"\p{L}", False),
    (r"\k<a>", False),
    (r"é", False),
    ("a\tb", False),
    ("", False),
    ("(", False),
    (")", False),
    ("\\", False),
    ("a" * MAX_PATTERN_LENGTH, True),
    ("a" * (MAX_PATTERN_LENGTH + 1), False),
]

DESKTOP = {"url": P, "width": 1280, "country": "US", "attributes": {"plan": "pro", "visits": 3}}
# (targeting, visitor overrides, skipped)
TARGETING_CASES: list[tuple[dict[str, object], dict[str, object], str | None]] = [
    ({}, {}, None),
    ({"url_rules": [{"type": "contains", "value": "/checkout"}]}, {}, "url"),
    (
        {
            "url_rules": [
                {"type": "contains", "value": "/checkout"},
                {"type": "ends_with", "value": "/pricing"},
            ]
        },
        {},
        None,
    ),
    ({"device": "desktop"}, {}, None),
    ({"device": "desktop"}, {"width": 1024}, None),
    ({"device": "desktop"}, {"width": 1023}, "device"),
    ({"device": "tablet"}, {"width": 768}, None),
    ({"device": "tablet"}, {"width": 767}, "device"),
    ({"device": "mobile"}, {"width": 375}, None),
    ({"device": "mobile"}, {"width": None}, None),  # unknown device: let through
    ({"device": "mobile"}, {"device": "desktop", "width": 375}, "device"),  # explicit wins
    ({"device": "all"}, {"width": 10}, None),
    ({"countries": ["US", "GB"]}, {}, None),
    ({"countries": ["US", "GB"]}, {"country": "gb"}, None),
    ({"countries": ["DE"]}, {}, "country"),
    ({"countries": ["DE"]}, {"country": None}, None),
    ({"countries": ["DE"]}, {"country": "XX"}, None),
    ({"countries": ["DE"]}, {"country": ""}, None),
    ({"countries": []}, {"country": "FR"}, None),
    ({"attributes": [{"name": "plan", "op": "equals", "value": "pro"}]}, {}, None),
    ({"attributes": [{"name": "plan", "op": "equals", "value": "Pro"}]}, {}, "attributes"),
    ({"attributes": [{"name": "visits", "op": "equals", "value": 3}]}, {}, None),
    ({"attributes": [{"name": "visits", "op": "equals", "value": "3"}]}, {}, "attributes"),
    ({"attributes": [{"name": "plan", "op": "not_equals", "value": "free"}]}, {}, None),
    ({"attributes": [{"name": "missing", "op": "not_equals", "value": "x"}]}, {}, None),
    ({"attributes": [{"name": "plan", "op": "in", "value": ["pro", "team"]}]}, {}, None),
    ({"attributes": [{"name": "plan", "op": "in", "value": ["free"]}]}, {}, "attributes"),
    (
        {"attributes": [{"name": "tags", "op": "in", "value": ["b", "z"]}]},
        {"attributes": {"tags": ["a", "b"]}},
        None,
    ),
    ({"attributes": [{"name": "plan", "op": "contains", "value": "ro"}]}, {}, None),
    (
        {"attributes": [{"name": "tags", "op": "contains", "value": "b"}]},
        {"attributes": {"tags": ["a", "b"]}},
        None,
    ),
    ({"attributes": [{"name": "visits", "op": "greater", "value": 2}]}, {}, None),
    ({"attributes": [{"name": "visits", "op": "greater", "value": 3}]}, {}, "attributes"),
    ({"attributes": [{"name": "visits", "op": "less", "value": 3.5}]}, {}, None),
    (
        {"attributes": [{"name": "visits", "op": "greater", "value": 2}]},
        {"attributes": {"visits": "5"}},
        "attributes",
    ),  # text is not a number
    (
        {"attributes": [{"name": "flag", "op": "equals", "value": True}]},
        {"attributes": {"flag": 1}},
        "attributes",
    ),  # 1 is not true
    (
        {"attributes": [{"name": "flag", "op": "equals", "value": True}]},
        {"attributes": {"flag": True}},
        None,
    ),
    ({"attributes": [{"name": "plan", "op": "exists", "value": True}]}, {}, None),
    ({"attributes": [{"name": "plan", "op": "exists", "value": False}]}, {}, "attributes"),
    ({"attributes": [{"name": "nope", "op": "exists", "value": False}]}, {}, None),
    ({"attributes": [{"name": "nope", "op": "exists"}]}, {}, "attributes"),
    (
        {"attributes": [{"name": "plan", "op": "equals", "value": None}]},
        {"attributes": {"plan": None}},
        "attributes",
    ),
    (
        {
            "attributes": [
                {"name": "plan", "op": "equals", "value": "pro"},
                {"name": "visits", "op": "greater", "value": 5},
            ]
        },
        {},
        "attributes",
    ),
    ({"attributes": [{"name": "plan", "op": "sounds_like", "value": "pro"}]}, {}, "attributes"),
    # order of checks: URL, then device, then country, then attributes
    (
        {
            "url_rules": [{"type": "contains", "value": "/nowhere"}],
            "device": "mobile",
            "countries": ["DE"],
            "attributes": [{"name": "plan", "op": "equals", "value": "free"}],
        },
        {},
        "url",
    ),
    (
        {
            "device": "mobile",
            "countries": ["DE"],
            "attributes": [{"name": "plan", "op": "equals", "value": "free"}],
        },
        {},
        "device",
    ),
    (
        {"countries": ["DE"], "attributes": [{"name": "plan", "op": "equals", "value": "free"}]},
        {},
        "country",
    ),
]


def visitor_from(data: dict[str, object]) -> Visitor:
    attributes = data.get("attributes")
    width = data.get("width")
    country = data.get("country")
    device = data.get("device")
    return Visitor(
        id="v",
        url=str(data.get("url", "")),
        screen_width=width if isinstance(width, int) else None,
        country=country if isinstance(country, str) else None,
        attributes=attributes if isinstance(attributes, dict) else {},
        device=device if isinstance(device, str) else None,  # type: ignore[arg-type]
    )


def main() -> None:
    errors: list[str] = []
    url_cases = []
    for kind, value, url, expected in URL_CASES:
        got = url_matches(UrlRule(UrlMatch(kind), value), url)
        if got != expected:
            errors.append(f"url {kind} {value!r} on {url!r}: got {got}")
        url_cases.append({"rule": {"type": kind, "value": value}, "url": url, "matches": expected})
    regex_cases = []
    for pattern, accepted in REGEX_CASES:
        problem = validate_regex(pattern)
        if (problem is None) != accepted:
            errors.append(f"regex {pattern!r}: {problem}")
        regex_cases.append({"pattern": pattern, "accepted": accepted})
    targeting_cases = []
    for targeting, overrides, expected in TARGETING_CASES:
        visitor = {**DESKTOP, **overrides}
        compiled = compile_targeting(parse_targeting(targeting))
        got = check_targeting(compiled, visitor_from(visitor))
        if got != expected:
            errors.append(f"targeting {targeting} / {overrides}: got {got}")
        targeting_cases.append({"targeting": targeting, "visitor": visitor, "skipped": expected})
    if errors:
        raise SystemExit("the implementation disagrees with the spec:\n" + "\n".join(errors))
    document = {
        "description": (
            "Targeting cases for docs/hashing.md. url_rules: does one rule match the URL? "
            "regex: is the pattern inside the accepted subset (refused patterns never match)? "
            "targeting: the first failing check (url, device, country, attributes) or null. "
            "Generated by spec/generate_targeting.py."
        ),
        "version": 1,
        "max_pattern_length": MAX_PATTERN_LENGTH,
        "max_regex_subject_length": MAX_SUBJECT_LENGTH,
        "unknown_countries": sorted(UNKNOWN_COUNTRY_CODES),
        "url_rules": url_cases,
        "regex": regex_cases,
        "targeting": targeting_cases,
    }
    lines = []
    for key, value in document.items():
        if isinstance(value, list) and value and isinstance(value[0], dict):
            items = ",\n".join("    " + json.dumps(item, ensure_ascii=True) for item in value)
            lines.append(f"  {json.dumps(key)}: [\n{items}\n  ]")
        else:
            lines.append(f"  {json.dumps(key)}: {json.dumps(value, ensure_ascii=True)}")
    OUTPUT.write_text("{\n" + ",\n".join(lines) + "\n}\n", encoding="ascii")
    print(
        f"wrote {len(url_cases)} URL, {len(regex_cases)} regex and "
        f"{len(targeting_cases)} targeting cases to {OUTPUT}"
    )


if __name__ == "__main__":
    main()
