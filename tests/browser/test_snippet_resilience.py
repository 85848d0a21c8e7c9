"""segmently.js when things go wrong or are restricted: the API down then up, the config request
hanging (failsafe), bots, opt-out, a strict Content-Security-Policy, the data-api-key install,
and the lazily loaded preview panel and badge."""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import unquote

from playwright.sync_api import Browser, Page, Route, expect

from segmently.db.models.tracking import Event
from tests.browser.snippet_harness import SnippetSite, site  # noqa: F401

CHANGES = [
    {"type": "text", "selector": "#title", "value": "Variant title"},
    {"type": "hide", "selector": "#promo"},
    {"type": "css", "selector": "#cta", "value": "color: rgb(0, 0, 255)"},
    {"type": "css", "value": "#cta { border-top: 3px solid rgb(255, 0, 0); }"},
    {"type": "js", "value": "document.getElementById('cta').setAttribute('data-js', 'ran');"},
]


def _experiment(s: SnippetSite, start: bool = True, **extra: Any) -> dict[str, Any]:
    return s.experiment(
        start=start,
        name="Resilience",
        activation_delay_ms=0,
        variants=[
            {"key": "control", "name": "Control", "weight": 0, "changes": []},
            {"key": "variant_a", "name": "Variant A", "weight": 100, "changes": CHANGES},
        ],
        targeting={"url_rules": [], "device": "all", "countries": [], "attributes": []},
        goals=[{"name": "Buy", "kind": "click", "selector": "#cta", "primary": True}],
        **extra,
    )


def _variant_shown(page: Page) -> None:
    expect(page.locator("#title")).to_have_text("Variant title")
    expect(page.locator("#promo")).to_be_hidden()
    expect(page.locator("#cta")).to_have_css("color", "rgb(0, 0, 255)")
    expect(page.locator("#cta")).to_have_css("border-top-color", "rgb(255, 0, 0)")
    expect(page.locator("#cta")).to_have_attribute("data-js", "ran")


def test_outage_retry_reload_bots_and_opt_out(
    page: Page,
    browser: Browser,
    site: SnippetSite,  # noqa: F811
) -> None:
    _experiment(site)
    rec = site.recorder
    rec.down = True
    page.goto(site.page("shop.html"))
    # The API is down: the page still gets its variant, and the events wait in localStorage.
    expect(page.locator("#title")).to_have_text("Variant title")
    page.evaluate("for (let i = 0; i < 5; i++) Segmently.track('retry_me', {i})")
    page.wait_for_function(
        "JSON.parse(localStorage.getItem('seg_q') || '[]')"
        ".filter(e => e.event_name === 'retry_me').length === 5"
    )
    # An event ingestion would refuse (over 32 KB) is never queued: it would block the rest.
    page.evaluate("Segmently.track('huge', {s: 'x'.repeat(50000)})")
    assert page.evaluate("localStorage.getItem('seg_q').includes('huge')") is False
    # Many events go out in several keepalive-sized batches.
    page.evaluate("for (let i = 0; i < 45; i++) Segmently.track('bulk', {i, pad: 'y'.repeat(900)})")
    rec.wait(lambda: rec.refused >= 2)  # tried, and retried with backoff
    page.reload()  # the queue survives the reload
    expect(page.locator("#title")).to_have_text("Variant title")
    rec.down = False
    rec.wait(lambda: len({e["event_id"] for e in rec.events("retry_me")}) == 5, timeout=15)
    time.sleep(1.5)
    retried = {e["event_id"]: e for e in rec.events("retry_me")}.values()
    assert sorted(e["event_data"]["i"] for e in retried) == [0, 1, 2, 3, 4]  # none lost
    stored = site.rows(Event, event_name="retry_me")
    assert sorted(e.event_data["i"] for e in stored) == [0, 1, 2, 3, 4]  # none counted twice
    assert len({e["event_id"] for e in rec.events("page_view")}) == 2  # one per load
    rec.wait(lambda: len({e["event_id"] for e in rec.events("bulk")}) == 45, timeout=20)
    page.wait_for_function("JSON.parse(localStorage.getItem('seg_q') || '[]').length === 0")

    # Opt-out: storage cleared, nothing applied or sent afterwards.
    page.evaluate("Segmently.optOut()")
    before = len(rec.accepted)
    page.reload()
    expect(page.locator("#title")).to_have_text("Original title")
    page.evaluate("Segmently.track('after_opt_out')")
    page.click("#cta")
    assert page.evaluate("Object.keys(localStorage)") == ["seg_optout"]
    assert page.evaluate("document.cookie") == ""

    # A known bot: the control, and not a single event.
    bot = browser.new_context(
        user_agent="Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
    )
    bot_page = bot.new_page()
    bot_page.goto(site.page("shop.html"))
    expect(bot_page.locator("#title")).to_have_text("Original title")
    bot_page.click("#cta")
    assert bot_page.evaluate("Segmently.getAllAssignments()") == {"resilience": "control"}
    bot_page.evaluate("Segmently.track('bot_event')")
    bot_page.goto(site.page("blank.html"))
    bot.close()
    time.sleep(1.5)
    assert len(rec.accepted) == before, rec.accepted[before:]


def test_strict_csp_and_data_api_key_install_and_failsafe(
    page: Page,
    site: SnippetSite,  # noqa: F811
) -> None:
    _experiment(site)
    violations: list[str] = []
    page.on("console", lambda m: violations.append(m.text) if "Content Security" in m.text else 0)
    page.goto(site.page("csp.html"))
    _variant_shown(page)
    page.click("#cta")
    site.recorder.wait(lambda: site.recorder.events("conversion"))
    assert violations == [], violations

    # <script src=".../segmently.js" data-api-key="…">: one config request, hidden meanwhile.
    page.goto(site.page("datakey.html"))
    _variant_shown(page)

    # Installed twice: the first copy runs, the second does nothing (and hides nothing).
    logs: list[str] = []
    page.on("console", lambda m: logs.append(m.text))
    page.goto(site.page("twice.html"))
    _variant_shown(page)
    assert page.evaluate("getComputedStyle(document.documentElement).opacity") == "1"
    assert logs.count("✅ Segmently loaded") == 1

    # The config request hangs: hidden, then revealed by the 5-second failsafe.
    hung: list[Route] = []
    page.route("**/s/*.json*", lambda route: hung.append(route))
    started = time.monotonic()
    page.goto(site.page("datakey.html"), wait_until="domcontentloaded")
    assert page.evaluate("getComputedStyle(document.documentElement).opacity") == "0"
    page.wait_for_function("getComputedStyle(document.documentElement).opacity === '1'")
    waited = time.monotonic() - started
    assert 4.0 < waited < 7.0, waited
    expect(page.locator("#title")).to_have_text("Original title")
    assert hung


def test_preview_panel_and_badge(page: Page, site: SnippetSite) -> None:  # noqa: F811
    exp = _experiment(site, start=False)
    site.tier("free")
    control, variant = exp["variants"]
    page.goto(site.page("csp.html", query=f"?segmently_preview={exp['slug']}:{variant['id']}"))
    panel = page.locator("#segmently-panel")
    expect(panel).to_be_visible()
    expect(panel.get_by_text("Resilience")).to_be_visible()
    expect(panel.get_by_test_id("segment")).to_have_text("Variant A")
    expect(panel.get_by_role("link", name="Dashboard")).to_have_attribute(
        "href", f"{site.url}/experiments/{exp['id']}"
    )
    _variant_shown(page)
    # The preview is remembered for the session: another page shows the draft variant too.
    page.goto(site.page("datakey.html"))
    _variant_shown(page)
    # Page CSS cannot reach into the panel.
    page.add_style_tag(content="button, select, div { display: none !important; }")
    expect(panel.get_by_role("combobox", name="Segment")).to_be_visible()
    panel.get_by_role("button", name="Minimize").click()
    expect(panel.get_by_role("combobox", name="Segment")).to_be_hidden()
    page.reload()
    expect(panel.get_by_role("combobox", name="Segment")).to_be_hidden()  # remembered
    panel.get_by_role("button", name="Minimize").click()
    panel.get_by_role("combobox", name="Segment").select_option(label="Control")
    expect(page.locator("#title")).to_have_text("Original title")
    assert f"{exp['slug']}:{control['id']}" in unquote(page.url)
    expect(panel.get_by_test_id("segment")).to_have_text("Control")

    # Free tier: the badge, re-attached when removed.
    badge = page.locator("#segmently-badge")
    expect(badge.get_by_role("link", name="Powered by Segmently")).to_be_visible()
    page.evaluate("document.getElementById('segmently-badge').remove()")
    expect(badge.get_by_role("link", name="Powered by Segmently")).to_be_visible()

    panel.get_by_role("button", name="View Original").click()
    page.wait_for_url(site.page("datakey.html"))
    expect(page.locator("#title")).to_have_text("Original title")  # the draft is not live
    expect(panel).to_have_count(0)

    site.tier("enterprise")
    page.reload()
    expect(page.locator("#title")).to_have_text("Original title")
    page.wait_for_function("window.Segmently.getVisitorId()")  # the config has arrived
    expect(badge).to_have_count(0)

    # The project's cookie mode: the visitor id also lives in a first-party cookie.
    r = site.http.patch(
        f"/api/v1/projects/{site.project['id']}",
        json={"settings": {"cookie_mode": True}},
        headers=site.headers,
    )
    assert r.status_code == 200, r.text
    page.reload()
    page.wait_for_function("Segmently.getVisitorId()")
    vid = page.evaluate("Segmently.getVisitorId()")
    assert f"seg_visitor_id={vid}" in page.evaluate("document.cookie")
