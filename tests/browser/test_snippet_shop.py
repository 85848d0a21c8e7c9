"""segmently.js on a fixture shop page in Chromium: assignment, no flash of original content,
every change type, goals, the JS API, GA4/Mixpanel, SPA navigation, stickiness, cross-domain."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Page, expect

from tests.browser.snippet_harness import SnippetSite, site  # noqa: F401

CHANGES = [
    {"type": "text", "selector": "#title", "value": "Variant title"},
    # Parent and child: the parent's HTML first, then the child's text inside the new HTML.
    {"type": "text", "selector": ".hero .hero-title", "value": "Child after parent"},
    {"type": "html", "selector": ".hero", "value": '<p class="hero-title">New hero</p><b>new</b>'},
    {"type": "html", "selector": "#promo", "value": "   "},  # empty HTML: ignored
    {"type": "hide", "selector": "#promo"},
    {"type": "css", "selector": "#cta", "value": "background-color: rgb(0, 128, 0) !important"},
    {"type": "attribute", "selector": "#cta", "attribute": "data-variant", "value": "a"},
    {"type": "text", "selector": "#late", "value": "Late variant"},
    {"type": "css", "value": "#go { color: rgb(255, 0, 0); }"},
    {"type": "js", "value": "window.__js = document.getElementById('cta') ? 'ran' : 'early';"},
    {"type": "js", "value": "throw new Error('bad custom code')"},
]


def _experiment(s: SnippetSite, **extra: Any) -> dict[str, Any]:
    return s.experiment(
        name="Shop test",
        activation_delay_ms=0,
        variants=[
            {"key": "control", "name": "Control", "weight": 0, "changes": []},
            {"key": "variant_a", "name": "Variant A", "weight": 100, "changes": CHANGES},
        ],
        targeting={
            "url_rules": [{"type": "contains", "value": "/pages/shop"}],
            "device": "desktop",
            "countries": [],
            # set by the page before the snippet loaded (the queued setAttributes call)
            "attributes": [{"name": "plan", "op": "equals", "value": "pro"}],
        },
        goals=[
            {"name": "Buy", "kind": "click", "selector": "#cta", "primary": True},
            {"name": "Signup", "kind": "form_submit", "selector": "#signup"},
            {"name": "Thanks", "kind": "page_view", "url": "/thank-you"},
            {"name": "Purchase", "kind": "custom_event", "event_name": "purchase"},
        ],
        integrations={
            "ga4_measurement_id": "G-TEST123",
            "mixpanel_token": "0123456789abcdef0123456789abcdef",
        },
        **extra,
    )


def test_variant_applied_before_reveal_and_tracked(page: Page, site: SnippetSite) -> None:  # noqa: F811
    exp = _experiment(site)
    site.edit(exp["id"], cross_domains=["localhost"])
    variant = exp["variants"][1]
    logs: list[str] = []
    errors: list[str] = []
    page.on("console", lambda m: logs.append(m.text))
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(site.page("shop.html"))

    # Changes, parents before children, late elements, and no frame of original content.
    expect(page.locator("#title")).to_have_text("Variant title")
    expect(page.locator(".hero")).to_have_text("Child after parentnew")
    expect(page.locator("#promo")).to_be_hidden()
    expect(page.locator("#promo")).to_have_text("Promo banner")
    expect(page.locator("#cta")).to_have_css("background-color", "rgb(0, 128, 0)")
    expect(page.locator("#cta")).to_have_attribute("data-variant", "a")
    expect(page.locator("#late")).to_have_text("Late variant")
    expect(page.locator("#go")).to_have_css("color", "rgb(255, 0, 0)")
    assert page.evaluate("window.__js") == "ran"
    assert page.evaluate("window.__flashes") == []
    assert page.evaluate("getComputedStyle(document.documentElement).opacity") == "1"
    marks = page.evaluate(
        "performance.getEntriesByType('mark').filter(m => m.name.startsWith('segmently:'))"
        ".map(m => [m.name, m.startTime])"
    )
    names = dict(marks)
    assert names["segmently:reveal"] - names["segmently:start"] < 500, marks
    assert logs.count("✅ Segmently loaded") == 1
    # The host page's own error and the bad custom code do not stop anything.
    assert errors == ["host page bug"], errors

    # The JS API.
    vid = page.evaluate("Segmently.getVisitorId()")
    assert vid == page.evaluate("localStorage.getItem('seg_visitor_id')")
    assert page.evaluate("document.cookie") == ""  # no cookies by default
    assert page.evaluate(f"Segmently.getVariant('{exp['slug']}')") == "variant_a"
    assert page.evaluate("Segmently.getVariant('nope')") is None
    assert page.evaluate("Segmently.getAllAssignments()") == {exp["slug"]: "variant_a"}

    # GA4 and Mixpanel, with the spec's names.
    calls = page.evaluate("window.__calls")
    assert [
        "gtag",
        "event",
        "experiment_impression",
        {
            "experiment_id": exp["slug"],
            "experiment_name": "Shop test",
            "variant_id": variant["id"],
            "variant_name": "Variant A",
        },
    ] in calls
    assert [
        "mixpanel",
        "$experiment_started",
        {
            "Experiment name": "Shop test",
            "Experiment ID": exp["slug"],
            "Variant name": "Variant A",
            "Variant ID": variant["id"],
        },
    ] in calls

    # Goals: click (delegated), form submit, custom event, trackConversion with revenue.
    page.click("#cta")
    page.click("#go")
    page.evaluate("Segmently.push(['track', 'purchase', {value: 5}])")  # the stub's form
    page.evaluate("Segmently.trackConversion({value: 12.5})")
    rec = site.recorder
    rec.wait(lambda: len(rec.events("conversion")) >= 3 and rec.events("purchase"))
    conversions = rec.events("conversion")
    goals = {g["name"]: g["id"] for g in exp["goals"]}
    by_goal = {c["event_data"].get("goal_id"): c for c in conversions}
    assert by_goal[goals["Buy"]]["event_data"]["goal_name"] == "Buy"
    assert goals["Signup"] in by_goal
    assert by_goal[None]["event_data"] == {"value": 12.5}
    for c in conversions:
        assert (c["experiment_id"], c["variant_id"]) == (exp["id"], variant["id"])
    assert rec.events("purchase")[0]["event_data"] == {"value": 5}
    # Queued before load and replayed.
    assert rec.events("early_event")[0]["event_data"] == {"early": True}
    views = rec.events("page_view")
    assert views[0]["event_data"]["url"] == site.page("shop.html")
    first = views[0]
    assert first["visitor_id"] == vid and first["device_type"] == "desktop"
    assert first["session_id"] and isinstance(first["timestamp"], int)

    # SPA: leaving the targeted URL reverts the changes, coming back re-applies them.
    page.evaluate("history.pushState({}, '', '/elsewhere')")
    expect(page.locator("#title")).to_have_text("Original title")
    expect(page.locator("#promo")).to_be_visible()
    expect(page.locator(".hero")).to_have_text("Old herokept")
    page.go_back()
    expect(page.locator("#title")).to_have_text("Variant title")
    page.evaluate("history.pushState({}, '', '/pages/shop.html/thank-you')")
    rec.wait(
        lambda: (
            goals["Thanks"] in [c["event_data"].get("goal_id") for c in rec.events("conversion")]
        )
    )
    urls = [v["event_data"]["url"] for v in rec.events("page_view")]
    assert urls[-1].endswith("/pages/shop.html/thank-you"), urls
    assert any(u.endswith("/elsewhere") for u in urls)

    # Every event once, each with its own id.
    ids = [e["event_id"] for e in rec.accepted]
    assert len(ids) == len(set(ids))

    # Cross-domain: outbound links carry the id; the other host adopts it and strips it.
    href = page.get_attribute("#out", "href")
    assert href == site.page("shop.html", host="localhost", query=f"?from=a&_sgmt_vid={vid}")
    page.click("#out")
    page.wait_for_url(site.page("shop.html", host="localhost", query="?from=a"))
    assert page.evaluate("Segmently.getVisitorId()") == vid
    expect(page.locator("#title")).to_have_text("Variant title")

    # Sticky: a weight change does not move the visitor.
    site.set_weights(exp["id"], [100, 0])
    page.goto(site.page("shop.html", host="localhost"))
    expect(page.locator("#title")).to_have_text("Variant title")
    assert page.evaluate("Segmently.getVisitorId()") == vid
    # Leaving the page sends page_exit (time on page, interaction) by beacon.
    page.click("#cta")
    page.goto(site.page("blank.html"))
    exits = rec.wait(
        lambda: [e["event_data"] for e in rec.events("page_exit") if e["event_data"]["interacted"]]
    )
    assert all(isinstance(x["duration_ms"], int) and x["duration_ms"] >= 0 for x in exits)
    # The reload above, left without a click: a bounce candidate.
    assert any(not e["event_data"]["interacted"] for e in rec.events("page_exit"))

    # reset(): a fresh identity and no assignments (call on logout).
    page.goto(site.page("shop.html", host="localhost"))
    page.evaluate("Segmently.reset()")
    fresh = page.evaluate("Segmently.getVisitorId()")
    assert fresh != vid and page.evaluate("localStorage.getItem('seg_visitor_id')") == fresh
    assert page.evaluate("Segmently.getAllAssignments()") == {}

    # Device targeting by width: the experiment is for desktops (≥ 1024 px) only.
    page.set_viewport_size({"width": 375, "height": 740})
    page.reload()
    expect(page.locator("#title")).to_have_text("Original title")
    assert page.evaluate("Segmently.getAllAssignments()") == {}
    assert page.evaluate("getComputedStyle(document.documentElement).opacity") == "1"
