"""The experiment wizard creates, edits and launches an experiment end to end, in Chromium."""

from __future__ import annotations

import os
import re
import time
from pathlib import Path
from typing import Any

from playwright.sync_api import ConsoleMessage, Page, expect

from tests.experiments.factories import set_tier

# Set SEGMENTLY_SCREENSHOTS=<dir> to keep screenshots of the wizard for a look.
SHOTS = os.environ.get("SEGMENTLY_SCREENSHOTS")


def _shot(page: Page, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / name), full_page=True)


def _app(live_server: Any) -> Any:
    return live_server.server.config.app


def _signup_with_project(page: Page, live_server: Any, *, tier: str | None = None) -> str:
    page.goto(live_server.url + "/signup")
    page.get_by_label("Your name").fill("Grace Hopper")
    page.get_by_label("Work email").fill("grace@example.com")
    page.get_by_label("Organization name").fill("Compilers Inc")
    page.get_by_label("Password").fill("a long enough password")
    page.get_by_role("button", name="Create account").click()
    page.get_by_label("Project name").fill("Shop")
    page.get_by_label("Base URL").fill("https://shop.example")
    page.get_by_role("button", name="Create Project").click()
    expect(page.get_by_role("heading", name="Shop")).to_be_visible()
    if tier:
        org = page.request.get(live_server.url + "/api/v1/organization").json()
        set_tier(_app(live_server), org["id"], tier)
        page.reload()
    return page.url


def _errors(page: Page) -> list[str]:
    errors: list[str] = []

    def on_console(msg: ConsoleMessage) -> None:
        url = msg.location.get("url", "")
        # Chromium logs every 4xx fetch; the API's refusals are expected and shown inline.
        expected = "/api/v1/" in url
        if msg.type == "error" and not expected:
            errors.append(f"{msg.text} {url}")

    page.on("console", on_console)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return errors


def _no_horizontal_overflow(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    viewport = page.viewport_size
    assert viewport is not None
    assert width <= viewport["width"], width


def test_wizard_creates_edits_and_launches(page: Page, live_server: Any) -> None:
    errors = _errors(page)
    page.set_viewport_size({"width": 1280, "height": 900})
    project_url = _signup_with_project(page, live_server, tier="enterprise")
    expect(page.get_by_test_id("experiments-empty")).to_be_visible()
    page.get_by_role("link", name="+ New Experiment").click()
    panel = page.get_by_role("tabpanel")  # the visible step only

    # 1. Details
    panel.get_by_label("Experiment name").fill("Hero CTA test")
    panel.get_by_label("Description").fill("Does a green call to action convert better?")
    panel.get_by_label("Hypothesis").fill("Green increases sign-ups by 15%")
    panel.get_by_label("Standard").check()
    page.get_by_role("button", name="Next →").click()

    # 2. Variants: weights rebalance when variations come and go.
    panel.get_by_label("Variation 1 name").fill("Green Button")
    page.get_by_role("button", name="+ Add Variation").click()
    weights = page.locator("input.weight")
    expect(weights).to_have_count(3)
    assert [weights.nth(i).input_value() for i in range(3)] == ["33", "33", "34"]
    weights.nth(0).fill("50")
    expect(page.get_by_test_id("weight-total")).to_contain_text("117%")
    # The server refuses the sum; the message sits next to the weights.
    page.get_by_role("button", name="Save draft").click()
    error = page.get_by_test_id("field-error")
    expect(error).to_contain_text("must add up to 100%")
    expect(page.locator('[data-field="variants"]').get_by_test_id("field-error")).to_be_visible()
    page.get_by_role("button", name="Remove Variation B").click()
    assert [weights.nth(i).input_value() for i in range(2)] == ["50", "50"]
    expect(page.get_by_test_id("weight-total")).to_contain_text("100% ✓")

    # A CSS change in the code editor (CodeMirror, loaded on demand), and a text change.
    page.get_by_role("button", name="Add a change to Green Button").click()
    green = page.get_by_test_id("variant-card").nth(1)
    green.get_by_label("CSS selector").fill("#cta")
    editor = green.locator(".cm-content")
    expect(editor).to_be_visible()
    editor.click()
    page.keyboard.type("background: green;")
    expect(green.locator(".cm-editor .cm-line")).to_contain_text("background: green;")
    # Highlighted: the property and the value are styled tokens of the declarations grammar.
    expect(green.locator(".cm-line span")).to_have_count(2)
    page.get_by_role("button", name="Add a change to Green Button").click()
    second = green.locator("li.change").nth(1)
    second.get_by_label("Type of change 2").select_option("text")
    second.get_by_label("CSS selector").fill("#cta")
    second.get_by_label("New text").fill("Start free")
    page.get_by_role("button", name="Next →").click()

    # 3. Targeting
    page.get_by_role("button", name="+ Add URL rule").click()
    panel.get_by_label("URL or pattern").fill("/pricing")
    panel.get_by_label("Devices").select_option("desktop")
    page.get_by_role("button", name="Next →").click()

    # 4. Goals, with a funnel
    panel.get_by_label("CSS selector").fill("#cta")
    page.get_by_role("button", name="+ Add Step").click()
    panel.get_by_label("Step 1 label").fill("Cart")
    panel.get_by_label("URL contains").fill("/cart")
    page.get_by_role("button", name="Next →").click()

    # 5. Advanced
    panel.get_by_label("GA4 measurement ID").fill("G-ABC1234")
    page.get_by_role("button", name="Next →").click()

    # 6. Review, and save a draft.
    expect(page.get_by_role("tabpanel")).to_contain_text("Hero CTA test")
    expect(page.get_by_role("tabpanel")).to_contain_text("Standard (500 ms)")
    _shot(page, "wizard-review.png")
    page.get_by_role("button", name="Save draft").click()
    expect(page).to_have_url(re.compile(r"/experiments/[\w-]+\?saved=draft$"))
    expect(page.get_by_test_id("experiment-status")).to_have_text("Draft")
    experiment_id = page.url.split("/experiments/")[1].split("?")[0]
    detail = page.locator("main")
    expect(detail).to_contain_text("Green Button")
    expect(detail).to_contain_text("background: green;")
    expect(detail).to_contain_text("Start free")
    expect(detail).to_contain_text("Standard (500 ms)")
    expect(page.locator("code", has_text="segmently_preview=hero-cta-test:")).to_have_count(2)

    # Edit with the same screens: values come back, including the code editor's.
    # "Schedule" in the project page's menu opens the wizard at its Advanced step.
    page.goto(project_url)
    page.get_by_label("Actions for Hero CTA test").click()
    page.get_by_role("link", name="Schedule").click()
    expect(page.get_by_role("tab", name="Advanced")).to_have_attribute("aria-selected", "true")
    expect(panel.get_by_label("GA4 measurement ID")).to_have_value("G-ABC1234")
    page.get_by_role("tab", name="Details").click()
    expect(panel.get_by_label("Experiment name")).to_have_value("Hero CTA test")
    panel.get_by_label("Hypothesis").fill("Green increases sign-ups by 20%")
    page.get_by_role("tab", name="Variants").click()
    expect(page.locator(".cm-content").first).to_contain_text("background: green;")
    preview = page.locator(".preview-link code").nth(1)
    expect(preview).to_contain_text("https://shop.example?segmently_preview=hero-cta-test:")
    _shot(page, "wizard-variants.png")
    page.get_by_role("tab", name="Review & Launch").click()
    page.get_by_role("button", name="Launch").click()
    expect(page).to_have_url(re.compile(rf"/experiments/{experiment_id}\?saved=launched$"))
    expect(page.get_by_test_id("experiment-status")).to_have_text("Live")
    expect(page.get_by_test_id("audit-trail")).to_contain_text("Edited")
    expect(page.locator("main")).to_contain_text("Green increases sign-ups by 20%")
    _shot(page, "experiment-page.png")

    # The launched experiment is in the compiled config the snippet reads.
    page.goto(project_url)
    key = page.locator("#api-key").inner_text()
    config = page.request.get(live_server.url + "/api/v1/config", headers={"X-API-Key": key})
    assert config.ok, config.text()
    (live,) = [e for e in config.json()["experiments"] if e["slug"] == "hero-cta-test"]
    assert live["status"] == "live" and live["delay"] == 500 and live["ga4"] == "G-ABC1234"
    assert [v["weight"] for v in live["variants"]] == [50, 50]
    assert live["variants"][1]["changes"] == [
        {"type": "css", "selector": "#cta", "value": "background: green;"},
        {"type": "text", "selector": "#cta", "value": "Start free"},
    ]
    assert live["targeting"]["url_rules"] == [{"type": "contains", "value": "/pricing"}]
    assert live["funnel"] == [{"label": "Cart", "url": "/cart", "event_name": None}]

    # On the project page it is live, and its menu offers only what is allowed.
    row = page.get_by_test_id("experiment-row").first
    expect(row).to_have_attribute("data-status", "live")
    row.get_by_label("Actions for Hero CTA test").click()
    expect(row.get_by_role("button", name="Pause")).to_be_visible()
    expect(row.get_by_role("button", name="Start")).to_have_count(0)
    expect(row.get_by_role("link", name="Edit")).to_have_count(0)
    _shot(page, "project-page.png")
    page.keyboard.press("Escape")
    expect(row.get_by_role("button", name="Pause")).to_be_hidden()
    row.get_by_label("Actions for Hero CTA test").click()
    row.get_by_role("button", name="Pause").click()
    expect(page.get_by_test_id("experiment-row").first).to_have_attribute("data-status", "paused")

    # Paused: editable again (variants and slug stay fixed), then saved and resumed in one go.
    row.get_by_label("Actions for Hero CTA test").click()
    row.get_by_role("link", name="Edit").click()
    expect(panel.get_by_label("Slug")).to_be_disabled()
    page.get_by_role("tab", name="Variants").click()
    expect(page.get_by_role("button", name="+ Add Variation")).to_be_disabled()
    # With two variants, the other weight follows.
    page.locator("input.weight").nth(0).fill("30")
    expect(page.locator("input.weight").nth(1)).to_have_value("70")
    page.get_by_role("button", name="Save & resume").click()
    expect(page.get_by_test_id("experiment-status")).to_have_text("Live")
    # The public config is cached for up to a second: the new weights are served within it.
    deadline = time.monotonic() + 3
    while True:
        config = page.request.get(live_server.url + "/api/v1/config", headers={"X-API-Key": key})
        (live,) = config.json()["experiments"]
        weights = [v["weight"] for v in live["variants"]]
        if weights == [30, 70] or time.monotonic() > deadline:
            break
        page.wait_for_timeout(100)
    assert weights == [30, 70]
    assert errors == []


def test_wizard_inline_errors_plan_gates_and_phone_layout(page: Page, live_server: Any) -> None:
    errors = _errors(page)
    page.set_viewport_size({"width": 375, "height": 740})
    _signup_with_project(page, live_server)
    page.get_by_role("link", name="+ New Experiment").click()
    panel = page.get_by_role("tabpanel")
    expect(panel.get_by_label("Experiment name")).to_be_visible()
    for step in ["Details", "Variants", "Targeting", "Goals", "Advanced", "Review & Launch"]:
        page.get_by_role("tab", name=step).click()
        if step == "Variants":
            page.get_by_role("button", name="Add a change to Control").click()
            expect(page.locator(".cm-editor").first).to_be_visible()
            kind = panel.get_by_label("Type of change 1")
            for value, language in [("js", "javascript"), ("html", "html"), ("css", "css")]:
                kind.select_option(value)
                expect(panel.locator(f'.cm-content[data-language="{language}"]')).to_be_visible()
            kind.select_option("attribute")
            expect(panel.locator(".cm-editor")).to_have_count(0)
            expect(panel.get_by_label("Attribute")).to_be_visible()
            kind.select_option("css")
        _no_horizontal_overflow(page)
        _shot(page, f"wizard-phone-{step.split()[0].lower()}.png")
    _shot(page, "wizard-phone.png")

    # Free plan: funnels and integrations say which plan they need.
    page.get_by_role("tab", name="Goals").click()
    expect(page.get_by_text("Funnels need the Professional plan")).to_be_visible()
    expect(page.get_by_role("button", name="+ Add Step")).to_be_disabled()
    page.get_by_role("tab", name="Advanced").click()
    expect(panel.get_by_label("GA4 measurement ID")).to_be_disabled()

    # A missing name and an empty selector: each error shows next to its field.
    page.get_by_role("button", name="Launch").click()
    expect(page.locator('[data-field="name"] .field-error')).to_contain_text("required")
    expect(page.get_by_role("tab", name="Details")).to_have_attribute("aria-selected", "true")
    panel.get_by_label("Experiment name").fill("Phone test")
    page.get_by_role("button", name="Launch").click()
    field = page.locator('[data-field="goals.0.selector"]')
    expect(field.get_by_test_id("field-error")).to_contain_text("selector is required")
    expect(field.locator("input")).to_have_attribute("aria-invalid", "true")
    field.locator("input").fill("#buy")
    page.get_by_role("button", name="Launch").click()
    expect(page.get_by_test_id("experiment-status")).to_have_text("Live")
    _no_horizontal_overflow(page)
    page.get_by_role("link", name="← Shop").click()
    page.get_by_label("Actions for Phone test").click()
    expect(page.get_by_role("button", name="Pause")).to_be_visible()
    _no_horizontal_overflow(page)
    _shot(page, "project-phone.png")
    assert errors == []
