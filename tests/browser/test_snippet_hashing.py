"""The snippet's TypeScript replays spec/hashing.json and spec/targeting.json in Chromium and
must agree with Python on every case; its weights hold over simulated visitors."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page

from segmently.snippet.service import prepare

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def bundle() -> str:
    """snippet/testing.ts as one IIFE exposing ``SegTest`` (esbuild, like the real build)."""
    out = subprocess.run(
        [
            str(ROOT / "node_modules/.bin/esbuild"),
            str(ROOT / "snippet/testing.ts"),
            "--bundle",
            "--format=iife",
            "--global-name=SegTest",
            "--target=es2019",
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    return out.stdout


def _load(page: Page, bundle: str) -> None:
    page.set_content("<!doctype html><title>vectors</title>")
    page.add_script_tag(content=bundle)


def test_hashing_vectors_match_python(page: Page, bundle: str) -> None:
    cases = json.loads((ROOT / "spec/hashing.json").read_text())["cases"]
    assert len(cases) >= 1000
    _load(page, bundle)
    results: list[list[Any]] = page.evaluate(
        """cases => cases.map(c => {
            const v = SegTest.assign(c.seed, c.traffic_percent, c.weights, c.visitor_id);
            return [SegTest.bucket(c.seed, 'traffic', c.visitor_id),
                    SegTest.bucket(c.seed, 'variant', c.visitor_id), v < 0 ? null : v];
        })""",
        cases,
    )
    mismatches = [
        (case, got)
        for case, got in zip(cases, results, strict=True)
        if got != [case["inclusion_bucket"], case["variant_bucket"], case["variant"]]
    ]
    assert mismatches == [], mismatches[:5]


def _delivered(targeting: dict[str, Any]) -> dict[str, Any]:
    """The targeting as /s/<key>.js delivers it (regexes outside the subset marked refused)."""
    body = json.dumps({"experiments": [{"targeting": targeting}]}).encode()
    result: dict[str, Any] = json.loads(prepare(None, body).body)["experiments"][0]["targeting"]
    return result


def test_targeting_vectors_match_python(page: Page, bundle: str) -> None:
    spec = json.loads((ROOT / "spec/targeting.json").read_text())
    for case in spec["url_rules"]:
        case["rule"] = _delivered({"url_rules": [case["rule"]]})["url_rules"][0]
    for case in spec["targeting"]:
        case["targeting"] = _delivered(case["targeting"])
    _load(page, bundle)
    url_results = page.evaluate(
        "cases => cases.map(c => SegTest.urlMatches(c.rule, c.url))", spec["url_rules"]
    )
    wrong = [
        c for c, got in zip(spec["url_rules"], url_results, strict=True) if got != c["matches"]
    ]
    assert wrong == [], wrong
    targeted = page.evaluate(
        """cases => cases.map(c => {
            const v = c.visitor;
            const device = v.device || (v.width == null ? undefined : SegTest.deviceOf(v.width));
            return SegTest.targeted(c.targeting, v.url, device, v.country || undefined,
                                    v.attributes || {});
        })""",
        spec["targeting"],
    )
    wrong = [
        c
        for c, got in zip(spec["targeting"], targeted, strict=True)
        if got != (c["skipped"] is None)
    ]
    assert wrong == [], wrong


@pytest.mark.parametrize(
    ("weights", "traffic"), [([10, 45, 45], 100), ([50, 50], 50), ([33, 33, 34], 100)]
)
def test_weights_hold_over_2000_visitors(
    page: Page, bundle: str, weights: list[int], traffic: int
) -> None:
    _load(page, bundle)
    counts, excluded = page.evaluate(
        """([weights, traffic]) => {
            const counts = weights.map(() => 0);
            let excluded = 0;
            for (let i = 0; i < 2000; i++) {
                const id = 'v' + i + '-' + Math.random().toString(36).slice(2);
                const v = SegTest.assign('chi-square-seed', traffic, weights, id);
                v < 0 ? excluded++ : counts[v]++;
            }
            return [counts, excluded];
        }""",
        [weights, traffic],
    )
    n = sum(counts)
    expected = [n * w / 100 for w in weights]
    chi2 = sum((o - e) ** 2 / e for o, e in zip(counts, expected, strict=True))
    # p > 0.001: the chi-square critical values for 1 and 2 degrees of freedom.
    assert chi2 < {1: 10.83, 2: 13.82}[len(weights) - 1], (counts, chi2)
    if traffic < 100:
        # inclusion: binomial(2000, 0.5), within 4 standard deviations
        assert abs(excluded - 1000) < 4 * (2000 * 0.25) ** 0.5, excluded
