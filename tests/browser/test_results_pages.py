"""The results page and the analytics overview render, chart and sort in Chromium."""

from __future__ import annotations

import re

import httpx
from playwright.sync_api import Page, expect

from tests.accounts import PASSWORD


def _setup(base: str) -> dict[str, str]:
    with httpx.Client(base_url=base) as c:
        r = c.post(
            "/api/v1/auth/signup",
            json={
                "name": "Ana",
                "email": "ana@example.com",
                "organization_name": "Ana Co",
                "password": PASSWORD,
            },
        )
        headers = {"Authorization": f"Bearer {r.json()['token']}"}
        project = c.post("/api/v1/projects", json={"name": "Shop"}, headers=headers).json()
        exp = c.post(
            f"/api/v1/projects/{project['id']}/experiments",
            json={
                "name": "Hero",
                "goals": [{"name": "Buy", "kind": "click", "selector": "#buy", "primary": True}],
            },
            headers=headers,
        ).json()
        c.post(
            f"/api/v1/experiments/{exp['id']}/transitions",
            json={"action": "start"},
            headers=headers,
        )
        ids = {v["key"]: v["id"] for v in exp["variants"]}
        events = []
        for key, (n, x) in {"control": (200, 10), "variant_a": (200, 40)}.items():
            for i in range(n):
                events.append(
                    {
                        "event_id": f"pv-{key}-{i}",
                        "event_name": "page_view",
                        "visitor_id": f"{key}{i}",
                        "experiment_id": exp["id"],
                        "variant_id": ids[key],
                        "event_data": {"url": "https://shop.example/"},
                    }
                )
                if i < x:
                    events.append(
                        {
                            "event_id": f"cv-{key}-{i}",
                            "event_name": "conversion",
                            "visitor_id": f"{key}{i}",
                            "experiment_id": exp["id"],
                            "variant_id": ids[key],
                            "event_data": {"value": 20},
                        }
                    )
        for start in range(0, len(events), 400):
            r = c.post(
                "/api/v1/events/batch",
                json={"events": events[start : start + 400]},
                headers={"X-API-Key": project["api_key"]},
            )
            assert r.status_code == 200, r.text
        return {"experiment": exp["id"]}


def _login(page: Page, base: str) -> None:
    page.goto(base + "/login")
    page.get_by_label("Email").fill("ana@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile("/projects"))


def test_results_page_and_overview(page: Page, live_server) -> None:  # type: ignore[no-untyped-def]
    data = _setup(live_server.url)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    _login(page, live_server.url)
    page.goto(f"{live_server.url}/experiments/{data['experiment']}/results")
    banner = page.get_by_test_id("winner-banner")
    expect(banner).to_contain_text("Variation A")
    expect(banner).to_contain_text("20.00%")
    expect(page.locator(".variant-card.best")).to_contain_text("Best performer")
    # Three timeline charts are drawn (uPlot canvases).
    expect(page.locator("[data-chart] canvas")).to_have_count(3)
    # Sorting the cards by conversion rate puts the winner first.
    page.get_by_label("Sort by").select_option("rate")
    expect(page.locator("[data-variant-card]").first).to_contain_text("Variation A")
    page.get_by_label("Sort by").select_option("order")
    expect(page.locator("[data-variant-card]").first).to_contain_text("Control")
    assert errors == []

    page.get_by_role("link", name="Analytics").click()
    expect(page.get_by_test_id("count-total")).to_have_text("1")
    expect(page.get_by_test_id("count-active")).to_have_text("1")
    table = page.get_by_test_id("overview-table")
    expect(table).to_contain_text("Hero")
    expect(table).to_contain_text("400")
    page.get_by_role("link", name="Visitors").click()
    expect(page).to_have_url(re.compile("sort=visitors"))
    page.get_by_role("link", name="View results").click()
    expect(page.get_by_test_id("winner-banner")).to_be_visible()
