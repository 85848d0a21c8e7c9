"""Targeting: the spec cases, a JavaScript differential for regexes, and totality."""

from __future__ import annotations

import json
import random
import shutil
import subprocess
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from segmently.core.evaluation import (
    ExperimentRules,
    compile_experiment,
    evaluate,
    validate_experiment,
)
from segmently.core.regex_subset import (
    MAX_SUBJECT_LENGTH,
    compile_regex,
    regex_search,
    to_python_pattern,
    validate_regex,
)
from segmently.core.targeting import (
    AttributeCondition,
    Device,
    Operator,
    SkipReason,
    Targeting,
    UrlMatch,
    UrlRule,
    Visitor,
    check_targeting,
    compile_targeting,
    condition_holds,
    device_for_width,
    parse_targeting,
    url_matches,
    validate_targeting,
)

SPEC = json.loads(
    (Path(__file__).resolve().parents[2] / "spec" / "targeting.json").read_text("ascii")
)
HAS_NODE = shutil.which("node") is not None


def _visitor(data: dict[str, object]) -> Visitor:
    return Visitor(
        id="v",
        url=str(data.get("url", "")),
        screen_width=data.get("width"),  # type: ignore[arg-type]
        country=data.get("country"),  # type: ignore[arg-type]
        attributes=data.get("attributes") or {},  # type: ignore[arg-type]
        device=data.get("device"),  # type: ignore[arg-type]
    )


@pytest.mark.parametrize("case", SPEC["url_rules"], ids=lambda c: f"{c['rule']['type']}")
def test_spec_url_rules(case: dict[str, object]) -> None:
    rule = case["rule"]
    assert (
        url_matches(UrlRule(UrlMatch(rule["type"]), rule["value"]), case["url"])
        is case[  # type: ignore[index]
            "matches"
        ]
    )


@pytest.mark.parametrize("case", SPEC["regex"], ids=lambda c: repr(c["pattern"])[:40])
def test_spec_regex_subset(case: dict[str, object]) -> None:
    problem = validate_regex(case["pattern"])  # type: ignore[arg-type]
    assert (problem is None) is case["accepted"], problem
    if problem is not None:
        assert "at character" in problem or "regex" in problem  # says where or what
        assert compile_regex(case["pattern"]).compiled is None  # type: ignore[arg-type]


@pytest.mark.parametrize("case", SPEC["targeting"])
def test_spec_targeting(case: dict[str, object]) -> None:
    compiled = compile_targeting(parse_targeting(case["targeting"]))
    assert check_targeting(compiled, _visitor(case["visitor"])) == case["skipped"]  # type: ignore[arg-type]


# -- JavaScript differential -----------------------------------------------------------

JS_REGEX = r"""
const cases = JSON.parse(require("fs").readFileSync(process.argv[2], "utf8"));
const out = cases.map(([p, s]) => {
  try {
    return s.length <= 2048 && !/[\n\r\u2028\u2029]/.test(s) && new RegExp(p).test(s);
  } catch (e) {
    return "error: " + e.message;
  }
});
console.log(JSON.stringify(out));
"""


def _node_regex(pairs: list[tuple[str, str]], tmp_path: Path) -> list[object]:
    data = tmp_path / "cases.json"
    data.write_text(json.dumps(pairs), encoding="utf-8")
    script = tmp_path / "regex.js"
    script.write_text(JS_REGEX, encoding="utf-8")
    run = subprocess.run(
        ["node", str(script), str(data)], capture_output=True, text=True, timeout=60, check=True
    )
    return json.loads(run.stdout)  # type: ignore[no-any-return]


@pytest.mark.skipif(not HAS_NODE, reason="node is not installed")
def test_spec_regex_cases_agree_with_javascript(tmp_path: Path) -> None:
    pairs = [
        (c["rule"]["value"], c["url"])
        for c in SPEC["url_rules"]
        if c["rule"]["type"] == "regex" and validate_regex(c["rule"]["value"]) is None
    ]
    js = _node_regex(pairs, tmp_path)
    for (pattern, url), got in zip(pairs, js, strict=True):
        assert regex_search(compile_regex(pattern), url) == got, (pattern, url)


ATOMS = [
    "a",
    "b",
    "/",
    ".",
    "-",
    r"\d",
    r"\D",
    r"\w",
    r"\W",
    r"\s",
    r"\S",
    r"\.",
    r"\/",
    "[ab]",
    "[^/]",
    "[a-z]",
    r"[\d\-]",
    "[^a]",
    r"\u00e9",
    r"\x41",
    "^",
    "$",
    r"\b",
    r"\B",
]
QUANTIFIERS = ["", "", "", "*", "+", "?", "{2}", "{1,3}", "{2,}", "*?", "+?", "??"]
SUBJECT_CHARS = "ab/.-1Ax \u00a0\u00e9\n\u2028😀_"


def _random_pattern(rng: random.Random, depth: int = 0) -> str:
    out = []
    for _ in range(rng.randint(1, 5)):
        if depth < 2 and rng.random() < 0.2:
            inner = _random_pattern(rng, depth + 1)
            if rng.random() < 0.3:
                inner += "|" + _random_pattern(rng, depth + 1)
            out.append(rng.choice(["(", "(?:"]) + inner + ")")
        else:
            out.append(rng.choice(ATOMS))
        out.append(rng.choice(QUANTIFIERS))
    return "".join(out)


@pytest.mark.skipif(not HAS_NODE, reason="node is not installed")
def test_random_subset_patterns_agree_with_javascript(tmp_path: Path) -> None:
    rng = random.Random(20250101)
    pairs: list[tuple[str, str]] = []
    while len(pairs) < 3000:
        pattern = _random_pattern(rng)
        if validate_regex(pattern) is not None:
            continue
        for _ in range(3):
            subject = "".join(rng.choice(SUBJECT_CHARS) for _ in range(rng.randint(0, 12)))
            pairs.append((pattern, subject))
    js = _node_regex(pairs, tmp_path)
    mismatches = [
        (p, s, got)
        for (p, s), got in zip(pairs, js, strict=True)
        if regex_search(compile_regex(p), s) != got
    ]
    assert not mismatches, mismatches[:10]


# -- safety of the subset ----------------------------------------------------------------


@pytest.mark.parametrize(
    "pattern",
    [
        r"(a+)+$",
        r"(a|aa)*$",
        r"(\w+\s?)*$",
        r"^(\d+)*$",
        r"(.*a){12}",
        r"\d+\d+x",
        r".*.*x",
        r"(x+x+)+y",
        r"^(a?){25}a{25}$",
    ],
)
def test_catastrophic_patterns_are_refused(pattern: str) -> None:
    assert validate_regex(pattern) is not None


@pytest.mark.parametrize(
    ("pattern", "subject"),
    [
        (r"x*?[a-z]\d?\db+", "x" * MAX_SUBJECT_LENGTH),
        (r"^https://.*\.example\.com/.*$", "https://" + ".example.com/" * 150),
        (r"/p/.*/q/", "/p/" * 680),
        (r"[^/]+/[^/]+/x", "ab/" * 682),
        (r".*product.*", "product" * 292),
    ],
)
def test_accepted_patterns_stay_fast_on_hostile_urls(pattern: str, subject: str) -> None:
    regex = compile_regex(pattern)
    assert regex.compiled is not None
    # CPU time, not wall-clock: a busy machine must not fail a bound on our own work. The
    # bound is far above the polynomial worst case (~0.2 s) and far below an exponential one.
    start = time.process_time()
    regex_search(regex, subject)
    assert time.process_time() - start < 1.0


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=60))
def test_validation_is_total_and_accepted_patterns_compile(pattern: str) -> None:
    problem = validate_regex(pattern)
    assert problem is None or (isinstance(problem, str) and problem)
    if problem is None:
        import re

        re.compile(to_python_pattern(pattern), re.ASCII)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="ab()|*+?{}[]^$.\\-,0123d", max_size=25), st.text(max_size=30))
def test_regex_evaluation_is_total(pattern: str, subject: str) -> None:
    assert regex_search(compile_regex(pattern), subject) in (True, False)


# -- validation messages -----------------------------------------------------------------


def test_validation_reports_each_problem_with_its_field() -> None:
    targeting = Targeting(
        url_rules=(UrlRule(UrlMatch.REGEX, "(a+)+"), UrlRule(UrlMatch.CONTAINS, "  ")),
        countries=("US", "UK", "usa"),
        conditions=(
            AttributeCondition("visits", Operator.GREATER, "ten"),
            AttributeCondition("", Operator.EQUALS, "x"),
            AttributeCondition("plan", Operator.IN, ()),
        ),
    )
    problems = {(p.field, p.message) for p in validate_targeting(targeting)}
    fields = [field for field, _ in problems]
    assert fields.count("countries") == 2
    assert any("did you mean 'GB'" in message for _, message in problems)
    assert {
        "url_rules[0]",
        "url_rules[1]",
        "conditions[0]",
        "conditions[1]",
        "conditions[2]",
    } <= set(fields)
    assert validate_targeting(Targeting(countries=("us", "GB", "XK"))) == ()


def test_experiment_validation_names_weights_and_traffic() -> None:
    problems = validate_experiment(ExperimentRules("s", (60, 60), traffic_percent=120))
    assert {p.field for p in problems} == {"weights", "traffic_percent"}


# -- device, evaluation, totality --------------------------------------------------------


@pytest.mark.parametrize(
    ("width", "device"),
    [
        (0, "mobile"),
        (767, "mobile"),
        (768, "tablet"),
        (1023, "tablet"),
        (1024, "desktop"),
        (3840, "desktop"),
    ],
)
def test_device_widths(width: int, device: str) -> None:
    assert device_for_width(width) == device


def test_evaluate_reports_reasons_and_variants() -> None:
    rules = ExperimentRules(
        seed="exp",
        weights=(50, 50),
        traffic_percent=50,
        targeting=Targeting(
            url_rules=(UrlRule(UrlMatch.CONTAINS, "/shop"),), devices=(Device.DESKTOP,)
        ),
    )
    compiled = compile_experiment(rules)
    assert evaluate(compiled, Visitor("v", "https://x.com/")).skipped is SkipReason.URL
    assert (
        evaluate(compiled, Visitor("v", "https://x.com/shop", screen_width=400)).skipped
        is SkipReason.DEVICE
    )
    decisions = [evaluate(compiled, Visitor(f"v{i}", "https://x.com/shop")) for i in range(4000)]
    traffic = sum(d.skipped is SkipReason.TRAFFIC for d in decisions)
    assert 1800 < traffic < 2200
    included = [d for d in decisions if d.included]
    assert all(d.skipped is None and d.variant in (0, 1) for d in included)
    assert 0.45 < sum(d.variant == 1 for d in included) / len(included) < 0.55


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=3), children, max_size=3)
    ),
    max_leaves=6,
)

ANY_TARGETING = Targeting(
    url_rules=(UrlRule(UrlMatch.REGEX, r"^https://x\.com/\d+"), UrlRule(UrlMatch.EXACT, "x")),
    devices=(Device.MOBILE,),
    countries=("DE",),
    conditions=tuple(
        AttributeCondition("a", op, value)
        for op, value in [
            (Operator.EQUALS, "x"),
            (Operator.NOT_EQUALS, 1),
            (Operator.IN, ("x", 2, True)),
            (Operator.CONTAINS, "x"),
            (Operator.GREATER, 1.5),
            (Operator.LESS, 3),
            (Operator.EXISTS, True),
        ]
    ),
)


@settings(max_examples=150, deadline=None)
@given(
    url=json_values,
    width=json_values,
    country=json_values,
    device=json_values,
    attributes=json_values,
)
def test_targeting_never_raises(
    url: object, width: object, country: object, device: object, attributes: object
) -> None:
    visitor = Visitor("v", url, width, country, attributes, device)  # type: ignore[arg-type]
    compiled = compile_targeting(ANY_TARGETING)
    assert check_targeting(compiled, visitor) in (None, *SkipReason)
    for condition in ANY_TARGETING.conditions:
        if isinstance(attributes, dict):
            assert condition_holds(condition, attributes) in (True, False)


@settings(max_examples=100, deadline=None)
@given(json_values)
def test_parse_targeting_never_raises(data: object) -> None:
    compile_targeting(parse_targeting(data))
    compile_targeting(parse_targeting({"url_rules": data, "attributes": data, "countries": data}))
