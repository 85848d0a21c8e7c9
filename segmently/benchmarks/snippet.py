"""``segmently bench snippet``: the snippet's two headline numbers.

1. **Size**: the core file as built (minified), gzip -9, beside GrowthBook's script-tag bundle
   ``auto.min.js`` when the npm package ``@growthbook/growthbook`` is installed (a dev dependency).
2. **Time to reveal** in headless Chromium: a page with a live experiment of three changes, the
   snippet delivered exactly as ``/s/<key>.js`` delivers it (config inlined). Per load we read
   the Performance marks ``segmently:start`` → ``segmently:reveal``, count frames that showed the
   original content (a ``requestAnimationFrame`` probe runs before every paint), and compare the
   first contentful paint with the same page without the snippet.

The pages are served from memory through Playwright's request routing, so the network is the
same (nil) for both variants of the page and only the snippet's own cost is measured.
"""

from __future__ import annotations

import gzip
import json
import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

from segmently.snippet import service

ROOT = Path(__file__).resolve().parents[2]
GROWTHBOOK = ROOT / "node_modules/@growthbook/growthbook"
GROWTHBOOK_AUTO = GROWTHBOOK / "dist/bundles/auto.min.js"
SIZE_BUDGET = 6000
REVEAL_BUDGET_MS = 50.0
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
ORIGIN = "http://shop.bench.test"
KEY = "seg_live_bench"

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Bench shop</title>
<script>
  window.__flashes = 0;
  (function probe() {{
    var t = document.getElementById("hero");
    if (t && t.textContent === "Original headline" &&
        getComputedStyle(document.documentElement).opacity !== "0") window.__flashes++;
    if (performance.now() < 2000) requestAnimationFrame(probe);
  }})();
</script>
{snippet}
<style>body{{font:16px system-ui;margin:2rem}} .cta{{padding:.5rem 1rem}}</style>
</head><body>
<div id="banner">Original banner</div>
<h1 id="hero">Original headline</h1>
<p>{filler}</p>
<button class="cta" id="cta">Buy now</button>
</body></html>"""

CONFIG = {
    "project": "00000000-0000-4000-8000-000000000001",
    "badge": False,
    "cookie": False,
    "version": 1,
    "experiments": [
        {
            "id": "00000000-0000-4000-8000-0000000000e1",
            "slug": "bench-hero",
            "name": "Bench hero",
            "seed": "bench-hero-seed",
            "status": "live",
            "traffic": 100,
            "delay": 0,
            "variants": [
                {
                    "id": "00000000-0000-4000-8000-0000000000a0",
                    "key": "control",
                    "name": "Control",
                    "weight": 0,
                    "changes": [],
                },
                {
                    "id": "00000000-0000-4000-8000-0000000000a1",
                    "key": "variant_a",
                    "name": "Variant A",
                    "weight": 100,
                    "changes": [
                        {"type": "text", "selector": "#hero", "value": "New headline"},
                        {
                            "type": "css",
                            "selector": "#cta",
                            "value": "background: #1f7a3f !important; color: #fff",
                        },
                        {"type": "hide", "selector": "#banner"},
                    ],
                },
            ],
            "targeting": {"url_rules": [], "device": "all", "countries": [], "attributes": []},
            "goals": [],
            "funnel": [],
            "domains": [],
            "ga4": None,
            "mixpanel": False,
        }
    ],
}


def gzip9(data: bytes) -> int:
    """Bytes of ``gzip -9`` of ``data`` (the gzip binary when present, no file name stored)."""
    binary = shutil.which("gzip")
    if binary:
        out = subprocess.run(  # noqa: S603 (gzip found on PATH, fixed arguments)
            [binary, "-9", "-n", "-c"], input=data, capture_output=True, check=True
        )
        return len(out.stdout)
    return len(gzip.compress(data, compresslevel=9, mtime=0))


def sizes() -> dict[str, Any]:
    core = service.core()
    extras = service.DIST / service.EXTRAS_FILE
    result: dict[str, Any] = {
        "segmently_core": {
            "minified_bytes": len(core.body),
            "gzip9_bytes": gzip9(core.body),
            "budget_gzip9_bytes": SIZE_BUDGET,
        },
        "segmently_lazy_chunk": {
            "minified_bytes": extras.stat().st_size,
            "gzip9_bytes": gzip9(extras.read_bytes()),
            "note": "loaded only for preview links and the free-tier badge",
        },
    }
    result["segmently_core"]["within_budget"] = (
        result["segmently_core"]["gzip9_bytes"] <= SIZE_BUDGET
    )
    if GROWTHBOOK_AUTO.exists():
        version = json.loads((GROWTHBOOK / "package.json").read_text())["version"]
        data = GROWTHBOOK_AUTO.read_bytes()
        result["growthbook_auto_min_js"] = {
            "version": version,
            "minified_bytes": len(data),
            "gzip9_bytes": gzip9(data),
        }
        result["ratio_growthbook_to_segmently"] = round(
            result["growthbook_auto_min_js"]["gzip9_bytes"]
            / result["segmently_core"]["gzip9_bytes"],
            2,
        )
    else:
        result["growthbook_auto_min_js"] = "not installed (npm install: it is a dev dependency)"
    return result


def _delivered_snippet() -> bytes:
    body = json.dumps(CONFIG, separators=(",", ":")).encode()
    return service.render(service.core(), body, api_key=KEY, base_url=ORIGIN, country=None).body


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 2)


def _prioritized_chromium(workdir: Path) -> str:
    """A wrapper that starts Chromium at nice -10 (needs root; else plain priority).

    The marks are wall-clock times: on a machine shared with other work, the scheduler's
    queue shows up in them. A higher priority for the browser measures the snippet, not the
    neighbours; both variants of the page run the same way.
    """
    wrapper = workdir / "chromium-nice"
    wrapper.write_text(
        f'#!/bin/sh\nexec nice -n -10 {CHROMIUM} "$@" 2>/dev/null || exec {CHROMIUM} "$@"\n'
    )
    wrapper.chmod(0o755)
    return str(wrapper)


def reveal(
    loads: int = 30, log: Callable[[str], None] = lambda _: None, prioritize: bool = True
) -> dict[str, Any]:
    import tempfile

    from playwright.sync_api import Route, sync_playwright

    workdir = Path(tempfile.mkdtemp(prefix="segmently-bench-"))
    executable = _prioritized_chromium(workdir) if prioritize and os.geteuid() == 0 else CHROMIUM

    filler = "Lorem ipsum dolor sit amet. " * 40
    pages = {
        "/with": PAGE.format(snippet=f'<script src="/s/{KEY}.js"></script>', filler=filler),
        "/without": PAGE.format(snippet="", filler=filler),
    }
    snippet = _delivered_snippet()

    def handle(route: Route) -> None:
        path = "/" + route.request.url.split("/", 3)[3].split("?")[0]
        if path in pages:
            route.fulfill(body=pages[path], content_type="text/html")
        elif path == f"/s/{KEY}.js":
            route.fulfill(body=snippet, content_type="application/javascript")
        else:  # events
            route.fulfill(status=200, body='{"accepted":0}', content_type="application/json")

    measure = """() => {
        const m = n => (performance.getEntriesByName(n)[0] || {}).startTime;
        const fcp = performance.getEntriesByName('first-contentful-paint')[0];
        return {start: m('segmently:start'), ready: m('segmently:ready'),
                reveal: m('segmently:reveal'),
                fcp: fcp ? fcp.startTime : null, flashes: window.__flashes,
                title: document.getElementById('hero').textContent,
                dcl: performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd};
    }"""
    runs: dict[str, list[dict[str, Any]]] = {"with": [], "without": []}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            for i in range(loads + 2):  # two warm-up loads of each, not counted
                for kind in ("with", "without"):
                    context = browser.new_context()
                    page = context.new_page()
                    page.route(f"{ORIGIN}/**", handle)
                    page.goto(f"{ORIGIN}/{kind}", wait_until="load")
                    page.wait_for_timeout(50)
                    result = page.evaluate(measure)
                    context.close()
                    if i >= 2:
                        runs[kind].append(result)
                if i % 10 == 9:
                    log(f"  {i + 1 - 2}/{loads} loads")
        finally:
            browser.close()
            shutil.rmtree(workdir, ignore_errors=True)
    with_s = runs["with"]
    to_reveal = [r["reveal"] - r["start"] for r in with_s]
    fcp_with = [r["fcp"] for r in with_s if r["fcp"] is not None]
    fcp_without = [r["fcp"] for r in runs["without"] if r["fcp"] is not None]
    return {
        "loads": loads,
        "experiment": "1 live experiment, 3 changes (text, css, hide), activation delay 0",
        "start_to_reveal_ms": {
            "median": _pct(to_reveal, 0.5),
            "p95": _pct(to_reveal, 0.95),
            "max": round(max(to_reveal), 2),
            "budget": REVEAL_BUDGET_MS,
        },
        # start → ready: the snippet's own work (storage, hashing, changes so far);
        # ready → reveal: the rest of the document parsing up to DOMContentLoaded.
        "snippet_work_ms_median": _pct([r["ready"] - r["start"] for r in with_s], 0.5),
        "waiting_for_document_ms_median": _pct([r["reveal"] - r["ready"] for r in with_s], 0.5),
        "frames_showing_original": sum(r["flashes"] for r in with_s),
        "variant_shown_every_load": all(r["title"] == "New headline" for r in with_s),
        "first_contentful_paint_ms": {
            "with_snippet_median": _pct(fcp_with, 0.5) if fcp_with else None,
            "without_snippet_median": _pct(fcp_without, 0.5) if fcp_without else None,
        },
        "dom_content_loaded_ms": {
            "with_snippet_median": _pct([r["dcl"] for r in with_s], 0.5),
            "without_snippet_median": _pct([r["dcl"] for r in runs["without"]], 0.5),
        },
        "within_budget": _pct(to_reveal, 0.5) <= REVEAL_BUDGET_MS,
        "browser_priority": "nice -10" if executable != CHROMIUM else "default",
    }


def run(
    loads: int = 30, log: Callable[[str], None] = lambda _: None, prioritize: bool = True
) -> dict[str, Any]:
    log("Sizes (gzip -9)…")
    result: dict[str, Any] = {"size": sizes()}
    log(f"Time to reveal in headless Chromium, {loads} loads with and without the snippet…")
    before = os.getloadavg()[0]
    try:
        result["time_to_reveal"] = reveal(loads, log, prioritize)
    except ImportError:
        result["time_to_reveal"] = "needs the playwright package (a dev dependency)"
        return result
    # Wall-clock marks: on a busy machine every number grows; say how busy this one was.
    result["time_to_reveal"]["load_average_1min"] = [
        round(before, 2),
        round(os.getloadavg()[0], 2),
    ]
    result["time_to_reveal"]["cpus"] = os.cpu_count()
    return result
