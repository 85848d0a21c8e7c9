"""The README's quick start, end to end: a visitor on /demo/shop is bucketed by segmently.js and
counted by the real ingestion (assignment, goals, funnel)."""

from __future__ import annotations

import uuid
from pathlib import Path

from playwright.sync_api import Page, expect

from segmently.db.models.tracking import Assignment, Conversion, Event
from segmently.demo import ensure_demo
from tests.browser.snippet_harness import SnippetSite, site  # noqa: F401


def test_demo_shop_visitor_bucketed_and_counted(
    page: Page,
    site: SnippetSite,  # noqa: F811
    tmp_path: Path,
) -> None:
    with site.app.state.sessions() as s:
        demo = ensure_demo(s, data_dir=tmp_path, base_url=site.url, rounds=10)
        experiment_id = demo.experiment.id
        goals = {g.name: g.id for g in demo.experiment.goals}
        variants = {v.key: v.id for v in demo.experiment.variants}
        s.commit()
    logs: list[str] = []
    page.on("console", lambda m: logs.append(m.text))
    page.goto(site.url + "/demo/shop")
    key = page.evaluate("Segmently.getVariant('demo-shop-hero')")
    assert key in ("control", "variant_a")
    title = "Free shipping on everything, today only" if key == "variant_a" else None
    if title:
        expect(page.locator("#hero-title")).to_have_text(title)
    assert "✅ Segmently loaded" in logs
    vid = page.evaluate("Segmently.getVisitorId()")

    # Add to cart (custom event, funnel step 2), then place the order (page-view goal, step 3).
    page.locator(".add-to-cart").first.click()
    page.wait_for_url("**/demo/shop/cart")
    page.get_by_role("button", name="Place order").click()
    page.wait_for_url("**/demo/shop/thank-you**")
    expect(page.locator("#thanks")).to_be_visible()

    def counted() -> Assignment | None:
        rows = site.rows(Assignment, experiment_id=experiment_id, visitor_id=vid)
        if rows and rows[0].funnel_step == 3:
            return rows[0]
        return None

    assignment = site.recorder.wait(counted, timeout=15)
    assert assignment.variant_id == variants[key]
    conversions = site.recorder.wait(
        lambda: (
            site.rows(Conversion, experiment_id=experiment_id, visitor_id=vid)
            if len(site.rows(Conversion, experiment_id=experiment_id, visitor_id=vid)) >= 2
            else None
        )
    )
    assert {c.goal_id for c in conversions} >= {goals["Order placed"], goals["Add to cart"]}
    events = site.rows(Event, visitor_id=vid)
    assert len({e.event_id for e in events}) == len(events)
    assert {e.event_name for e in events} >= {"page_view", "add_to_cart", "conversion"}
    assert all(e.experiment_id in (None, experiment_id) for e in events)
    assert isinstance(experiment_id, uuid.UUID)
