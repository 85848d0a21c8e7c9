"""The visual editor end to end in Chromium: the dashboard at http://127.0.0.1:<port>, the
customer's pages at http://localhost:<port> (another origin, the same server), the snippet of the
page answering the dashboard's hello and loading the editor chunk."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import APIRouter, FastAPI
from fastapi.responses import HTMLResponse, Response
from playwright.sync_api import Browser, FrameLocator, Page, expect

from segmently.db.models import Experiment
from segmently.demo import ensure_demo
from segmently.editor.settings import EditorSettings
from segmently.experiments import compiler
from segmently.snippet.settings import SnippetSettings
from segmently.web.app import create_app
from tests.accounts import PASSWORD
from tests.browser.conftest import LiveServer, _free_port
from tests.conftest import make_settings
from tests.experiments.factories import config, set_tier

PAGES = Path(__file__).parent / "pages" / "editor"


class EditorSite:
    """The live app, an Enterprise account and a draft experiment whose project's base URL is
    one of the fixture pages on the other origin."""

    def __init__(self, app: FastAPI, port: int) -> None:
        self.app = app
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.http = httpx.Client(base_url=self.url, timeout=30)
        self.key = ""
        self.token = ""

    def account(self, page_name: str) -> dict[str, Any]:
        n = uuid.uuid4().hex[:8]
        r = self.http.post(
            "/api/v1/auth/signup",
            json={
                "name": "Ada Editor",
                "email": f"ed{n}@example.com",
                "organization_name": f"Editors {n}",
                "password": PASSWORD,
            },
        )
        assert r.status_code == 201, r.text
        data = r.json()
        self.token = data["token"]
        set_tier(self.app, data["user"]["organization"]["id"], "enterprise")
        r = self.http.post(
            "/api/v1/projects",
            json={"name": "Fixture site", "base_url": self.page(page_name)},
            headers=self.auth,
        )
        assert r.status_code == 201, r.text
        self.key = r.json()["api_key"]
        return self.experiment(r.json()["id"])

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def experiment(self, project_id: str) -> dict[str, Any]:
        body = config(
            name=f"Editor test {uuid.uuid4().hex[:6]}",
            activation_delay_ms=0,
            variants=[
                {"key": "control", "name": "Control", "weight": 50, "changes": []},
                {"key": "variant_a", "name": "Variation A", "weight": 50, "changes": []},
            ],
            targeting={"url_rules": [], "device": "all", "countries": [], "attributes": []},
            goals=[{"name": "Click", "kind": "click", "selector": "a", "primary": True}],
        )
        r = self.http.post(
            f"/api/v1/projects/{project_id}/experiments", json=body, headers=self.auth
        )
        assert r.status_code == 201, r.text
        result: dict[str, Any] = r.json()
        return result

    def get(self, experiment_id: str) -> dict[str, Any]:
        r = self.http.get(f"/api/v1/experiments/{experiment_id}", headers=self.auth)
        assert r.status_code == 200, r.text
        result: dict[str, Any] = r.json()
        return result

    def start_all_in_variant(self, experiment_id: str) -> None:
        """Start it with every visitor in the variation, as a real visitor would be bucketed."""
        with self.app.state.sessions() as s:
            exp = s.get(Experiment, uuid.UUID(experiment_id))
            assert exp is not None
            exp.variants[0].weight, exp.variants[1].weight = 0, 100
            s.commit()
        r = self.http.post(
            f"/api/v1/experiments/{experiment_id}/transitions",
            json={"action": "start"},
            headers=self.auth,
        )
        assert r.status_code == 200, r.text
        with self.app.state.sessions() as s:
            exp = s.get(Experiment, uuid.UUID(experiment_id))
            assert exp is not None
            compiler.recompile(s, exp.project_id)
            s.commit()

    def page(self, name: str, query: str = "") -> str:
        return f"http://localhost:{self.port}/editor-pages/{name}{query}"

    def login(self, page: Page) -> None:
        page.context.add_cookies([{"name": "seg_session", "value": self.token, "url": self.url}])


def _pages(site: dict[str, Any]) -> APIRouter:
    router = APIRouter()

    @router.get("/editor-pages/{name}")
    def fixture_page(name: str, frame: str = "") -> Response:
        path = PAGES / name
        if not path.is_file() or path.suffix != ".html":
            return Response(status_code=404)
        html = (
            path.read_text().replace("{{API_KEY}}", site["key"]).replace("{{BASE}}", site["base"])
        )
        # The app marks its HTML X-Frame-Options: SAMEORIGIN; a customer site that lets the
        # dashboard frame it says so with CSP frame-ancestors, which browsers obey instead.
        ancestors = "*" if frame == "any" else site["base"]
        headers = {"Content-Security-Policy": f"frame-ancestors {ancestors}"}
        first = html.splitlines()[0]
        if first.startswith("<!-- XFO: "):
            headers = {"X-Frame-Options": first[len("<!-- XFO: ") : -len(" -->")]}
        return HTMLResponse(html, headers=headers)

    return router


@pytest.fixture
def editor_site(db_url: str, tmp_path: Path) -> Iterator[EditorSite]:
    port = _free_port()
    app = create_app(make_settings(db_url, tmp_path, server__base_url=f"http://127.0.0.1:{port}"))
    app.state.config_cache.ttl = 0
    app.state.snippet_settings = SnippetSettings(snippet_max_age=0)
    # The fixture pages are on localhost: the probe may fetch them in these tests only.
    app.state.editor_settings = EditorSettings(editor_allow_private_urls=True)
    shared: dict[str, Any] = {"key": "", "base": f"http://127.0.0.1:{port}"}
    app.include_router(_pages(shared))
    server = LiveServer(app)
    server.port = port
    server.url = f"http://127.0.0.1:{port}"
    server.server.config.port = port
    with server:
        site = EditorSite(app, port)
        site.shared = shared  # type: ignore[attr-defined]
        yield site
        site.http.close()
    app.state.engine.dispose()


def _open_editor(
    page: Page, site: EditorSite, experiment_id: str, variant: int = 1
) -> FrameLocator:
    page.goto(f"{site.url}/experiments/{experiment_id}/edit")
    page.get_by_role("tab", name="Variants").click()
    page.get_by_test_id("variant-card").nth(variant).get_by_role(
        "button", name="Visual Editor"
    ).click()
    expect(page.get_by_test_id("visual-editor")).to_be_visible()
    return page.frame_locator("[data-testid=ve-frame]")


def _connected(page: Page) -> None:
    expect(page.get_by_test_id("ve-status")).to_have_text("Connected", timeout=10000)


def _apply(page: Page, kind: str, value: str = "", selector: str | None = None) -> None:
    if selector is not None:
        page.locator("#ve-selector").fill(selector)
        expect(page.get_by_test_id("ve-matches")).to_have_text("1 match on this page")
    page.locator("#ve-type").select_option(kind)
    if value:
        page.locator("#ve-value").fill(value)
    page.get_by_test_id("ve-apply").click()


def _result(page: Page) -> dict[str, Any]:
    """What the variant did to the nested fixture, as the visitor sees it."""
    expect(page.locator(".cta-button")).to_have_text("Start free trial")
    result: dict[str, Any] = page.evaluate(
        """() => ({
            hero: document.querySelector('#hero').innerHTML,
            promo: getComputedStyle(document.querySelector('.promo')).display,
            cta: document.querySelector('.cta-button').textContent,
        })"""
    )
    return result


def _tiles(page: Page) -> list[str]:
    return page.get_by_test_id("ve-tile").locator(".ve-tile-label").all_inner_texts()


def test_nested_page_select_change_save_reopen_and_preview(
    page: Page, browser: Browser, editor_site: EditorSite
) -> None:
    site = editor_site
    exp = site.account("nested.html")
    site.shared["key"] = site.key  # type: ignore[attr-defined]
    site.login(page)
    page.set_viewport_size({"width": 1400, "height": 900})
    frame = _open_editor(page, site, exp["id"])
    expect(page.locator("#ve-url")).to_have_value(site.page("nested.html"))
    _connected(page)

    # Click the call to action (a link: selecting must not follow it).
    frame.locator(".cta-button").click()
    expect(page.locator("#ve-selector")).to_have_value(".cta-button")
    expect(page.get_by_test_id("ve-matches")).to_have_text("1 match on this page")
    expect(page.get_by_test_id("ve-details")).to_contain_text("<a>")
    expect(page.get_by_test_id("ve-details")).to_contain_text("cta-button")
    _apply(page, "text", "Start free trial")
    expect(frame.locator(".cta-button")).to_have_text("Start free trial")

    # A positional element gets a short unique selector, not a chain from <body>.
    frame.locator(".feature", has_text="Cheap").click()
    expect(page.locator("#ve-selector")).to_have_value("li.feature:nth-of-type(2)")
    # Generated-looking ids and classes (hashes, CSS-in-JS) are passed over.
    frame.locator(".subscribe").click()
    expect(page.locator("#ve-selector")).to_have_value(".subscribe")

    # The parent's HTML edit, typed by hand: the child's saved change survives it.
    _apply(
        page,
        "html",
        '<h1 class="hero-title">Build faster</h1><a class="cta-button" href="/x">Old</a>',
        "#hero",
    )
    expect(frame.locator(".hero-title")).to_have_text("Build faster")
    expect(frame.locator(".cta-button")).to_have_text("Start free trial")
    page.locator("#ve-selector").fill(".features")
    expect(page.get_by_test_id("ve-matches")).to_have_text("1 match on this page")
    page.locator("#ve-selector").fill("li")
    expect(page.get_by_test_id("ve-matches")).to_have_text("3 matches on this page")
    # The container without text of its own is labelled by its first descendant's text.
    _apply(page, "hide", selector=".promo")
    expect(frame.locator(".promo")).to_be_hidden()
    expect(page.get_by_test_id("ve-tile")).to_have_count(3)
    assert _tiles(page) == ["Start free trial", "Build faster", "Spring sale"]

    # Edit a tile, then remove one and put it back.
    page.get_by_role("button", name="Edit change 1").click()
    expect(page.locator("#ve-value")).to_have_value("Start free trial")
    page.get_by_test_id("ve-apply").click()
    page.get_by_role("button", name="Remove change 3").click()
    expect(frame.locator(".promo")).to_be_visible()
    _apply(page, "hide", selector=".promo")
    expect(frame.locator(".promo")).to_be_hidden()

    page.get_by_test_id("ve-save").click()
    expect(page.get_by_test_id("visual-editor")).to_have_count(0)
    card = page.get_by_test_id("variant-card").nth(1)
    expect(card.locator("li.change")).to_have_count(3)
    page.get_by_role("button", name="Save draft").click()
    page.wait_for_url("**/experiments/*?saved=*")
    changes = site.get(exp["id"])["variants"][1]["changes"]
    assert [(c["type"], c["selector"]) for c in changes] == [
        ("text", ".cta-button"),
        ("html", "#hero"),
        ("hide", ".promo"),
    ]

    # Reopen: the saved changes are applied again in the frame.
    frame = _open_editor(page, site, exp["id"])
    _connected(page)
    expect(frame.locator(".cta-button")).to_have_text("Start free trial")
    expect(frame.locator(".promo")).to_be_hidden()
    expect(page.get_by_test_id("ve-tile")).to_have_count(3)

    # The preview link shows what a visitor bucketed into the variant sees.
    variant_id = site.get(exp["id"])["variants"][1]["id"]
    preview = browser.new_page()
    preview.goto(site.page("nested.html", f"?segmently_preview={exp['slug']}:{variant_id}"))
    seen_in_preview = _result(preview)
    preview.close()
    site.start_all_in_variant(exp["id"])
    visitor = browser.new_page()
    visitor.goto(site.page("nested.html"))
    assert _result(visitor) == seen_in_preview
    assert seen_in_preview["promo"] == "none"
    visitor.close()


def test_react_style_page_renders_after_load(
    page: Page, browser: Browser, editor_site: EditorSite
) -> None:
    site = editor_site
    exp = site.account("react.html")
    site.shared["key"] = site.key  # type: ignore[attr-defined]
    site.login(page)
    page.set_viewport_size({"width": 1400, "height": 900})
    frame = _open_editor(page, site, exp["id"])
    _connected(page)
    frame.locator(".signup-btn").click()
    expect(page.locator("#ve-selector")).to_have_value(".signup-btn")
    _apply(page, "css", "background-color: rgb(255, 0, 0)")
    page.locator("#ve-type").select_option("attribute")
    page.locator("#ve-attr").fill("data-variant")
    page.locator("#ve-value").fill("a")
    page.get_by_test_id("ve-apply").click()
    expect(frame.locator(".signup-btn")).to_have_attribute("data-variant", "a")
    assert _tiles(page) == ["Sign up", "Sign up"]
    page.get_by_test_id("ve-save").click()
    page.get_by_role("button", name="Save draft").click()
    page.wait_for_url("**/experiments/*?saved=*")

    # Reopen: the button is rendered late, and gets its saved changes once it exists.
    frame = _open_editor(page, site, exp["id"])
    _connected(page)
    button = frame.locator(".signup-btn")
    expect(button).to_have_attribute("data-variant", "a")
    expect(button).to_have_css("background-color", "rgb(255, 0, 0)")

    variant_id = site.get(exp["id"])["variants"][1]["id"]
    preview = browser.new_page()
    preview.goto(site.page("react.html", f"?segmently_preview={exp['slug']}:{variant_id}"))
    expect(preview.locator(".signup-btn")).to_have_attribute("data-variant", "a")
    expect(preview.locator(".signup-btn")).to_have_css("background-color", "rgb(255, 0, 0)")
    preview.close()


def test_demo_shop(page: Page, browser: Browser, editor_site: EditorSite, tmp_path: Path) -> None:
    site = editor_site
    with site.app.state.sessions() as s:
        demo = ensure_demo(s, data_dir=tmp_path, base_url=site.url, rounds=10)
        s.commit()
        email, password, project_id = demo.user.email, demo.password, str(demo.project.id)
    r = site.http.post("/api/v1/auth/login", json={"email": email, "password": password})
    assert r.status_code == 200, r.text
    site.token = r.json()["token"]
    exp = site.experiment(project_id)
    site.login(page)
    page.set_viewport_size({"width": 1400, "height": 900})
    _open_editor(page, site, exp["id"])
    # The demo shop is the app's own page (X-Frame-Options: SAMEORIGIN): same origin here.
    shop = f"{site.url}/demo/shop"
    page.locator("#ve-url").fill(shop)
    page.get_by_role("button", name="Load").click()
    _connected(page)
    frame = page.frame_locator("[data-testid=ve-frame]")
    # The live demo experiment is reverted in the editor: the original page is edited.
    frame.locator("#hero-title").click()
    expect(page.locator("#ve-selector")).to_have_value("#hero-title")
    _apply(page, "text", "Edited in the visual editor")
    expect(frame.locator("#hero-title")).to_have_text("Edited in the visual editor")
    page.get_by_test_id("ve-save").click()
    page.get_by_role("button", name="Save draft").click()
    page.wait_for_url("**/experiments/*?saved=*")
    variant_id = site.get(exp["id"])["variants"][1]["id"]
    preview = browser.new_page()
    preview.goto(f"{shop}?segmently_preview={exp['slug']}:{variant_id}")
    expect(preview.locator("#hero-title")).to_have_text("Edited in the visual editor")
    preview.close()


def test_foreign_origins_blocked_frames_and_missing_snippet(
    page: Page, browser: Browser, editor_site: EditorSite
) -> None:
    site = editor_site
    exp = site.account("nested.html")
    site.shared["key"] = site.key  # type: ignore[attr-defined]

    # A page on a foreign origin (a second server) frames the customer's page and says hello:
    # ignored.
    target = site.page("nested.html", "?frame=any")
    foreign = FastAPI()
    evil_html = (
        f'<iframe id="f" src="{target}"></iframe><script>window.got=[];'
        "addEventListener('message',e=>got.push(e.data));"
        "f.onload=()=>setInterval(()=>f.contentWindow.postMessage("
        "{segmently:'editor-hello',v:1},'*'),100)</script>"
    )
    foreign.get("/")(lambda: HTMLResponse(evil_html))
    other = LiveServer(foreign)
    evil = browser.new_page()
    with other:
        evil.goto(other.url + "/")
        inner = evil.frame_locator("#f")
        expect(inner.locator(".cta-button")).to_be_visible()
        evil.wait_for_timeout(800)
        assert evil.evaluate("window.got") == []
        framed = next(f for f in evil.frames if f.url.startswith(target))
        assert framed.evaluate(
            "!window.Segmently._e && !document.querySelector('script[src*=editor]')"
        )
        evil.close()

    site.login(page)
    page.set_viewport_size({"width": 1400, "height": 900})
    _open_editor(page, site, exp["id"])
    _connected(page)
    # Forged messages: from the dashboard itself (wrong source and origin), and from the right
    # frame in a wrong shape. Neither changes the selection.
    page.evaluate(
        "window.postMessage({segmently:'editor',type:'selected',tag:'div',id:'',classes:[],"
        "label:'x',text:'',html:'',selector:'#forged',count:1}, '*')"
    )
    framed = next(f for f in page.frames if f.url.startswith(site.page("nested.html")))
    framed.evaluate(
        "parent.postMessage({segmently:'editor',type:'selected',"
        "selector:'#bad-shape',count:'1'}, '*')"
    )
    page.wait_for_timeout(300)
    expect(page.locator("#ve-selector")).to_have_value("")

    # X-Frame-Options: DENY is detected by the probe and explained.
    page.locator("#ve-url").fill(site.page("blocked.html"))
    page.get_by_role("button", name="Load").click()
    expect(page.get_by_test_id("ve-blocked")).to_contain_text("X-Frame-Options: DENY")

    # No snippet: nothing answers the hello.
    page.locator("#ve-url").fill(site.page("plain.html"))
    page.get_by_role("button", name="Load").click()
    banner = page.get_by_test_id("ve-no-snippet")
    expect(banner).to_contain_text("Segmently Snippet Required", timeout=10000)
    expect(page.get_by_test_id("ve-blocked")).to_have_count(0)
