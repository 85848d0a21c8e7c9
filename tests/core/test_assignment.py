"""Assignment: the spec vectors, a JavaScript replay, distributions and properties."""

from __future__ import annotations

import json
import shutil
import subprocess
import zlib
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from segmently.core.assignment import (
    BUCKETS,
    INCLUSION_SALT,
    VARIANT_SALT,
    Allocation,
    assign,
    bucket,
    compile_allocation,
    encode_text,
    explain,
    fmix32,
    hash32,
    traffic_to_bp,
    validate_allocation,
    weights_to_bp,
)

SPEC = Path(__file__).resolve().parents[2] / "spec" / "hashing.json"
CASES = json.loads(SPEC.read_text(encoding="ascii"))["cases"]


def test_spec_has_enough_varied_cases() -> None:
    assert len(CASES) >= 1000
    ids = {case["visitor_id"] for case in CASES}
    assert "" in ids and any(len(i) >= 1000 for i in ids)
    assert any(not i.isascii() for i in ids) and any("\ud800" in i for i in ids)
    weights = {tuple(case["weights"]) for case in CASES}
    assert {(50, 50), (33, 33, 34), (10, 45, 45)} <= weights
    assert {0, 1, 50, 100} <= {case["traffic_percent"] for case in CASES}


def test_spec_vectors_replay() -> None:
    for case in CASES:
        compiled = compile_allocation(
            Allocation(case["seed"], tuple(case["weights"]), case["traffic_percent"])
        )
        result = explain(compiled, case["visitor_id"])
        got = (
            result.inclusion_hash,
            result.inclusion_bucket,
            result.variant_hash,
            result.variant_bucket,
            result.variant,
        )
        want = (
            case["inclusion_hash"],
            case["inclusion_bucket"],
            case["variant_hash"],
            case["variant_bucket"],
            case["variant"],
        )
        assert got == want, case
        assert assign(compiled, case["visitor_id"]) == case["variant"], case


# The reference implementation of docs/hashing.md, in JavaScript as the snippet runs it.
JS_REFERENCE = r"""
const table = new Int32Array(256);
for (let n = 0; n < 256; n++) {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  table[n] = c;
}
function crc32(bytes) {
  let crc = -1;
  for (let i = 0; i < bytes.length; i++) crc = table[(crc ^ bytes[i]) & 255] ^ (crc >>> 8);
  return (crc ^ -1) >>> 0;
}
function fmix32(h) {
  h ^= h >>> 16; h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13; h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16; return h >>> 0;
}
const enc = new TextEncoder();
const hash = (seed, salt, id) => fmix32(crc32(enc.encode(seed + "\x1f" + salt + "\x1f" + id)));
const bucket = (h) => Math.floor((h * 10000) / 4294967296);
function assign(seed, trafficPercent, weights, id) {
  if (bucket(hash(seed, "traffic", id)) >= Math.round(trafficPercent * 100)) return null;
  const total = weights.reduce((a, b) => a + b, 0);
  const scale = total === 100 ? 100 : 1;
  const b = bucket(hash(seed, "variant", id));
  let cumulative = 0;
  for (let i = 0; i < weights.length; i++) {
    cumulative += weights[i] * scale;
    if (b < cumulative) return i;
  }
  return null;
}
const cases = JSON.parse(require("fs").readFileSync(process.argv[2], "utf8")).cases;
let failures = 0;
for (const c of cases) {
  const ih = hash(c.seed, "traffic", c.visitor_id), vh = hash(c.seed, "variant", c.visitor_id);
  const v = assign(c.seed, c.traffic_percent, c.weights, c.visitor_id);
  if (ih !== c.inclusion_hash || vh !== c.variant_hash || v !== c.variant) {
    failures++;
    if (failures < 5) console.log(JSON.stringify({ c, ih, vh, v }));
  }
}
console.log(JSON.stringify({ checked: cases.length, failures }));
"""


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_javascript_reference_replays_the_vectors(tmp_path: Path) -> None:
    script = tmp_path / "replay.js"
    script.write_text(JS_REFERENCE, encoding="utf-8")
    run = subprocess.run(
        ["node", str(script), str(SPEC)], capture_output=True, text=True, timeout=60, check=True
    )
    summary = json.loads(run.stdout.strip().splitlines()[-1])
    assert summary == {"checked": len(CASES), "failures": 0}, run.stdout


def test_crc32_and_fmix32_known_values() -> None:
    assert zlib.crc32(b"123456789") == 0xCBF43926  # the CRC-32/ISO-HDLC check value
    assert fmix32(0) == 0
    assert fmix32(1) == 0x514E28B7  # MurmurHash3 fmix32(1)
    assert hash32("s", "traffic", "v") == fmix32(zlib.crc32(b"s\x1ftraffic\x1fv"))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("abc", b"abc"),
        ("é", b"\xc3\xa9"),
        ("😀", b"\xf0\x9f\x98\x80"),
        ("a\ud800b", b"a\xef\xbf\xbdb"),  # lone surrogate -> U+FFFD, as TextEncoder
        ("\udc00\ud800", b"\xef\xbf\xbd\xef\xbf\xbd"),
        ("\ud83d\ude00", b"\xf0\x9f\x98\x80"),  # a pair held as two code points joins
        ("\ud800\ud800\udc00", b"\xef\xbf\xbd\xf0\x90\x80\x80"),
    ],
)
def test_encoding_matches_text_encoder(text: str, expected: bytes) -> None:
    assert encode_text(text) == expected


def test_buckets_are_in_range_and_use_the_high_bits() -> None:
    assert (0 * BUCKETS) >> 32 == 0 and ((2**32 - 1) * BUCKETS) >> 32 == BUCKETS - 1
    for visitor in ("a", "b", "c", ""):
        assert 0 <= bucket("seed", VARIANT_SALT, visitor) < BUCKETS


# -- validation ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "weights",
    [(100,), (), (50, 40), (60, 50), (-10, 110), (50.0, 50.0), (True, 99), (5000, 4999)],
)
def test_invalid_weights_are_refused_with_a_message(weights: tuple[int, ...]) -> None:
    problems = validate_allocation(Allocation("s", weights))
    assert problems and all(isinstance(p, str) and p for p in problems)
    with pytest.raises(ValueError):
        compile_allocation(Allocation("s", weights))


@pytest.mark.parametrize("traffic", [-1, 100.5, 12.345, float("nan"), float("inf")])
def test_invalid_traffic_is_refused(traffic: float) -> None:
    assert validate_allocation(Allocation("s", (50, 50), traffic))
    with pytest.raises(ValueError):
        compile_allocation(Allocation("s", (50, 50), traffic))


def test_percent_and_basis_point_weights_are_the_same_split() -> None:
    assert weights_to_bp((33, 33, 34)) == (3300, 3300, 3400)
    assert weights_to_bp((3300, 3300, 3400)) == (3300, 3300, 3400)
    assert traffic_to_bp(12.5) == 1250 and traffic_to_bp(100) == BUCKETS
    a = compile_allocation(Allocation("s", (33, 33, 34)))
    b = compile_allocation(Allocation("s", (3300, 3300, 3400)))
    assert all(assign(a, f"v{i}") == assign(b, f"v{i}") for i in range(2000))


# -- distributions (100,000 synthetic ids) ---------------------------------------------

IDS = [f"visitor-{i}-{i * 2654435761 % 2**32:08x}" for i in range(100_000)]


@pytest.mark.parametrize(
    "weights",
    [(50, 50), (33, 33, 34), (10, 45, 45), (25, 25, 25, 25), (90, 10), (1, 99)],
)
@pytest.mark.parametrize("seed", ["exp_1", "a7c1e0f2-0b1d-4c3a-9e8f-112233445566"])
def test_variant_split_follows_the_weights(weights: tuple[int, ...], seed: str) -> None:
    compiled = compile_allocation(Allocation(seed, weights))
    counts = np.bincount([assign(compiled, i) for i in IDS], minlength=len(weights))  # type: ignore[misc]
    expected = np.array(weights, dtype=float) / sum(weights) * len(IDS)
    assert stats.chisquare(counts, expected).pvalue > 0.001


@pytest.mark.parametrize("traffic", [1, 10, 50, 80])
def test_traffic_inclusion_rate(traffic: int) -> None:
    compiled = compile_allocation(Allocation("exp_traffic", (50, 50), traffic))
    included = sum(assign(compiled, i) is not None for i in IDS)
    assert stats.binomtest(included, len(IDS), traffic / 100).pvalue > 0.001


def test_inclusion_is_independent_of_variant() -> None:
    seed = "independence"
    inclusion = np.array([bucket(seed, INCLUSION_SALT, i) for i in IDS])
    variant = np.array([bucket(seed, VARIANT_SALT, i) for i in IDS])
    # 10 inclusion deciles x 3 variants (33/33/34): a chi-square test of independence.
    decile = inclusion // 1000
    arm = np.searchsorted([3300, 6600], variant, side="right")
    table = np.zeros((10, 3))
    np.add.at(table, (decile, arm), 1)
    assert stats.chi2_contingency(table).pvalue > 0.001
    assert abs(stats.pearsonr(inclusion, variant).statistic) < 0.02
    # With 50% traffic the included visitors still split 50/50 (not all to the control).
    compiled = compile_allocation(Allocation(seed, (50, 50), 50))
    arms = [a for a in (assign(compiled, i) for i in IDS) if a is not None]
    assert stats.binomtest(sum(arms), len(arms), 0.5).pvalue > 0.001


# -- properties ------------------------------------------------------------------------

weights_strategy = st.integers(2, 6).flatmap(
    lambda k: (
        st.lists(st.integers(0, 100), min_size=k - 1, max_size=k - 1)
        .filter(lambda ws: sum(ws) <= 100)
        .map(lambda ws: (*ws, 100 - sum(ws)))
    )
)


@settings(max_examples=150, deadline=None)
@given(
    seed=st.text(max_size=20),
    visitor=st.text(max_size=60),
    weights=weights_strategy,
    traffic=st.integers(0, 10_000),
)
def test_fast_path_equals_explicit_algorithm(
    seed: str, visitor: str, weights: tuple[int, ...], traffic: int
) -> None:
    compiled = compile_allocation(Allocation(seed, weights, traffic / 100))
    fast = assign(compiled, visitor)
    assert fast == explain(compiled, visitor).variant
    assert fast == assign(compiled, visitor)  # deterministic
    if fast is not None:
        assert 0 <= fast < len(weights) and weights[fast] > 0  # a 0% variant is never chosen


@settings(max_examples=150, deadline=None)
@given(
    seed=st.text(max_size=10),
    visitor=st.text(max_size=40),
    weights=weights_strategy,
    low=st.integers(0, 10_000),
    high=st.integers(0, 10_000),
)
def test_raising_traffic_never_excludes_or_moves_a_visitor(
    seed: str, visitor: str, weights: tuple[int, ...], low: int, high: int
) -> None:
    low, high = min(low, high), max(low, high)
    before = assign(compile_allocation(Allocation(seed, weights, low / 100)), visitor)
    after = assign(compile_allocation(Allocation(seed, weights, high / 100)), visitor)
    if before is not None:
        assert after == before


@settings(max_examples=200, deadline=None)
@given(visitor=st.text(max_size=40))
def test_hash_is_crc_of_the_whole_string(visitor: str) -> None:
    data = encode_text("seed\x1fvariant\x1f" + visitor)
    assert hash32("seed", VARIANT_SALT, visitor) == fmix32(zlib.crc32(data))
