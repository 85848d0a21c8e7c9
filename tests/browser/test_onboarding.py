"""A newcomer signs up, creates a project and copies the install snippet, in Chromium."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect


def test_signup_create_project_copy_snippet(page: Page, live_server) -> None:  # type: ignore[no-untyped-def]
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    page.goto(live_server.url + "/")
    expect(page).to_have_url(re.compile(r"/login$"))
    page.get_by_role("link", name="Create an account").click()

    page.get_by_label("Your name").fill("Ada Lovelace")
    page.get_by_label("Work email").fill("ada@example.com")
    page.get_by_label("Organization name").fill("Analytical Engines")
    page.get_by_label("Password").fill("short")
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("alert")).to_contain_text("at least 8 characters")
    expect(page.get_by_label("Work email")).to_have_value("ada@example.com")

    page.get_by_label("Password").fill("a long enough password")
    page.get_by_role("button", name="Create account").click()
    expect(page).to_have_url(re.compile(r"/projects"))
    expect(page.get_by_text("No projects yet")).to_be_visible()
    expect(page.get_by_test_id("usage-projects")).to_have_text("0/1 Projects")

    page.get_by_label("Project name").fill("Main Website")
    page.get_by_label("Base URL").fill("https://example.com")
    page.get_by_role("button", name="Create Project").click()
    expect(page.get_by_role("heading", name="Main Website")).to_be_visible()

    snippet = page.locator("#snippet").inner_text()
    assert re.fullmatch(
        re.escape(f'<script src="{live_server.url}/s/') + r"seg_live_[\w-]+\.js\"></script>",
        snippet,
    ), snippet
    page.get_by_role("button", name="Copy snippet").click()
    expect(page.get_by_role("button", name="Copied ✓")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == snippet

    page.get_by_role("button", name="Copy key").click()
    key = page.locator("#api-key").inner_text()
    assert page.evaluate("navigator.clipboard.readText()") == key
    assert key.startswith("seg_live_")

    # At the Free plan's limit the button is disabled and says why.
    page.get_by_role("link", name="Projects").click()
    expect(page.get_by_test_id("usage-projects")).to_have_text("1/1 Projects")
    expect(page.get_by_role("button", name="+ New Project")).to_be_disabled()
    expect(page.get_by_text("Free plan includes 1 project")).to_be_visible()


def test_dashboard_works_on_a_phone(page: Page, live_server) -> None:  # type: ignore[no-untyped-def]
    page.set_viewport_size({"width": 375, "height": 740})
    page.goto(live_server.url + "/signup")
    page.get_by_label("Your name").fill("Mo Bile")
    page.get_by_label("Work email").fill("mo@example.com")
    page.get_by_label("Organization name").fill("Pocket")
    page.get_by_label("Password").fill("a long enough password")
    page.get_by_role("button", name="Create account").click()
    page.get_by_label("Project name").fill("Phone Shop")
    page.get_by_role("button", name="Create Project").click()
    expect(page.get_by_role("heading", name="Phone Shop")).to_be_visible()
    # Nothing overflows the screen horizontally.
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, width
