"""Dashboard pages of experiments and organization settings (server-rendered), on both DBs."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from segmently.db.models import Experiment, ManagementKey
from segmently.web.dashboard.experiments import preview_url
from tests.accounts import create_project, form_csrf, signup
from tests.experiments.factories import act, create, set_tier


def _login(client: TestClient, user: dict[str, Any]) -> None:
    client.cookies.set("seg_session", user["token"])


@pytest.fixture
def owner(client: TestClient, app: Any) -> dict[str, Any]:
    user = signup(client)
    set_tier(app, user["user"]["organization"]["id"], "enterprise")
    user["project"] = create_project(client, user["headers"])
    _login(client, user)
    return user


def _rows(html: str) -> list[tuple[str, str]]:
    """(status, slug) of each experiment row, in page order."""
    return re.findall(
        r'data-testid="experiment-row" data-status="(\w+)" data-slug="([\w-]+)"', html
    )


def _menu(html: str, slug: str) -> str:
    start = html.index(f'data-slug="{slug}"')
    return html[start : html.index("</li>", start)]


def test_empty_state_and_new_experiment_button(client: TestClient, owner: dict[str, Any]) -> None:
    page = client.get(f"/projects/{owner['project']['id']}")
    assert page.status_code == 200
    assert 'data-testid="experiments-empty"' in page.text
    assert f'href="/projects/{owner["project"]["id"]}/experiments/new"' in page.text
    wizard = client.get(f"/projects/{owner['project']['id']}/experiments/new")
    assert wizard.status_code == 200
    assert 'id="wizard-data"' in wizard.text and "/static/dist/wizard.js" in wizard.text
    # CodeMirror is its own island, never loaded by the page itself.
    assert "code-editor.js" not in wizard.text


def test_list_order_badges_and_allowed_quick_actions(
    client: TestClient, owner: dict[str, Any]
) -> None:
    h, pid = owner["headers"], owner["project"]["id"]
    create(client, h, pid, name="Draft one")
    live = create(client, h, pid, name="Live one")
    paused = create(client, h, pid, name="Paused one")
    archived = [create(client, h, pid, name=f"Old {i}") for i in range(3)]
    assert act(client, h, live["id"], "start").status_code == 200
    act(client, h, paused["id"], "start")
    act(client, h, paused["id"], "pause")
    for e in archived:
        act(client, h, e["id"], "archive")

    html = client.get(f"/projects/{pid}").text
    rows = _rows(html)
    assert [s for s, _ in rows[:3]] == ["live", "paused", "draft"]
    assert [s for s, _ in rows[3:]] == ["archived"] * 3
    assert "3 Archived" in html
    assert html.index('data-testid="experiments-archived"') > html.index('data-slug="draft-one"')
    assert "0 visitors" in html and "2 variants" in html

    def actions(slug: str) -> set[str]:
        return set(re.findall(r'data-action="(\w+)"', _menu(html, slug)))

    common = {"analytics", "delete"}
    assert actions("draft-one") == {"start", "archive", "edit", "schedule"} | common
    assert actions("live-one") == {"pause", "archive"} | common
    assert actions("paused-one") == {"resume", "archive", "edit"} | common
    assert actions(archived[0]["slug"]) == {"reinstate"} | common


def test_quick_action_form_moves_the_experiment(
    client: TestClient, owner: dict[str, Any], app: Any
) -> None:
    pid = owner["project"]["id"]
    e = create(client, owner["headers"], pid)
    token = form_csrf(client, f"/projects/{pid}")
    r = client.post(
        f"/experiments/{e['id']}/transition",
        data={"csrf_token": token, "action": "start", "next": f"/projects/{pid}"},
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"] == f"/projects/{pid}"
    assert client.get(f"/api/v1/experiments/{e['id']}").json()["status"] == "live"
    # A forbidden transition says what is allowed and changes nothing.
    r = client.post(
        f"/experiments/{e['id']}/transition",
        data={"csrf_token": token, "action": "resume"},
        follow_redirects=False,
    )
    assert r.status_code == 409 and "Allowed: pause, archive" in r.text
    # "next" is followed only within the site.
    r = client.post(
        f"/experiments/{e['id']}/transition",
        data={"csrf_token": token, "action": "pause", "next": "//evil.example/"},
        follow_redirects=False,
    )
    assert r.headers["location"] == f"/experiments/{e['id']}"


def test_new_experiment_disabled_at_the_plan_limit(client: TestClient, app: Any) -> None:
    user = signup(client)
    project = create_project(client, user["headers"])
    _login(client, user)
    create(client, user["headers"], project["id"])
    html = client.get(f"/projects/{project['id']}").text
    assert re.search(r'<button class="primary" type="button" disabled[^>]*>\+ New Experiment', html)
    assert "Free plan includes 1 active experiment" in html
    assert 'data-action="schedule"' not in html  # scheduling is Business+
    assert "1/1 Experiments" in html
    r = client.get(f"/projects/{project['id']}/experiments/new")
    assert r.status_code == 402 and "Archive one or upgrade" in r.text


def test_experiment_page_shows_config_previews_and_audit(
    client: TestClient, owner: dict[str, Any]
) -> None:
    e = create(client, owner["headers"], owner["project"]["id"])
    act(client, owner["headers"], e["id"], "start")
    page = client.get(f"/experiments/{e['id']}")
    assert page.status_code == 200
    text = page.text
    assert "Homepage Hero Test" in text and "Green increases sign-ups" in text
    assert "Green Button" in text and "Custom CSS" in text and "#cta" in text
    assert "contains <code>/pricing</code>" in text
    assert "Primary" in text and "Sign up" in text
    variant_id = e["variants"][1]["id"]
    assert f"https://example.com?segmently_preview=homepage-hero-test:{variant_id}" in text
    trail = text[text.index('data-testid="audit-trail"') :]
    assert "Created" in trail and "Start" in trail and owner["email"] in trail
    # Live: no Edit, and the edit page says why.
    assert f'href="/experiments/{e["id"]}/edit"' not in text
    r = client.get(f"/experiments/{e['id']}/edit")
    assert r.status_code == 409 and "pause it first" in r.text
    act(client, owner["headers"], e["id"], "pause")
    edit = client.get(f"/experiments/{e['id']}/edit")
    assert edit.status_code == 200 and '"status": "paused"' in edit.text


def test_wizard_data_cannot_break_out_of_its_script(
    client: TestClient, owner: dict[str, Any]
) -> None:
    e = create(client, owner["headers"], owner["project"]["id"], description="</script><b>x")
    html = client.get(f"/experiments/{e['id']}/edit").text
    data = html[html.index('id="wizard-data"') :]
    data = data[: data.index("</script>")]
    assert "<b>" not in data and "\\u003c/script>" in data


def test_preview_url_joins_query_strings() -> None:
    assert preview_url("https://a.example/p?x=1", "s", "v") == (
        "https://a.example/p?x=1&segmently_preview=s:v"
    )
    assert preview_url(None, "s", "v") is None


def test_delete_needs_the_typed_slug(client: TestClient, owner: dict[str, Any], app: Any) -> None:
    e = create(client, owner["headers"], owner["project"]["id"])
    token = form_csrf(client, f"/experiments/{e['id']}")
    r = client.post(f"/experiments/{e['id']}/delete", data={"csrf_token": token, "confirm": "nope"})
    assert r.status_code == 422 and "Type the experiment" in r.text
    r = client.post(
        f"/experiments/{e['id']}/delete",
        data={"csrf_token": token, "confirm": e["slug"]},
        follow_redirects=False,
    )
    assert r.status_code == 303
    with app.state.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Experiment)) == 0


def test_csrf_is_required_for_every_write(
    client: TestClient, owner: dict[str, Any], app: Any
) -> None:
    pid = owner["project"]["id"]
    e = create(client, owner["headers"], pid)
    client.get(f"/projects/{pid}")  # sets the CSRF cookie
    for path, data in [
        (f"/experiments/{e['id']}/transition", {"action": "start"}),
        (f"/experiments/{e['id']}/delete", {"confirm": e["slug"]}),
        ("/settings/management-keys", {"name": "CI"}),
    ]:
        assert client.post(path, data=data).status_code == 403
        assert client.post(path, data=data | {"csrf_token": "forged"}).status_code == 403
    # The wizard's JSON writes with the session cookie need the header too.
    body = {"name": "Via cookie"}
    assert client.post(f"/api/v1/projects/{pid}/experiments", json=body).status_code == 403
    token = form_csrf(client, f"/projects/{pid}")
    r = client.post(
        f"/api/v1/projects/{pid}/experiments", json=body, headers={"X-CSRF-Token": token}
    )
    assert r.status_code == 201, r.text
    assert client.get(f"/api/v1/experiments/{e['id']}").json()["status"] == "draft"
    with app.state.sessions() as s:
        assert s.scalar(select(func.count()).select_from(ManagementKey)) == 0


def test_another_organizations_experiment_pages_are_404(
    client: TestClient, owner: dict[str, Any]
) -> None:
    e = create(client, owner["headers"], owner["project"]["id"])
    intruder = signup(client)
    _login(client, intruder)
    token = form_csrf(client, "/projects")
    for path in (f"/experiments/{e['id']}", f"/experiments/{e['id']}/edit"):
        assert client.get(path).status_code == 404
    assert client.get(f"/projects/{owner['project']['id']}/experiments/new").status_code == 404
    r = client.post(
        f"/experiments/{e['id']}/transition", data={"csrf_token": token, "action": "start"}
    )
    assert r.status_code == 404
    r = client.post(
        f"/experiments/{e['id']}/delete", data={"csrf_token": token, "confirm": e["slug"]}
    )
    assert r.status_code == 404
    assert client.get("/experiments/not-a-uuid").status_code == 404
    assert (
        client.get(f"/api/v1/experiments/{e['id']}", headers=owner["headers"]).json()["status"]
        == "draft"
    )


def test_management_keys_page(client: TestClient, owner: dict[str, Any], app: Any) -> None:
    page = client.get("/settings")
    assert page.status_code == 200 and "No keys yet" in page.text
    token = form_csrf(client, "/settings")
    r = client.post(
        "/settings/management-keys",
        data={"csrf_token": token, "name": "CI"},
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"] == "/settings"
    # Post, redirect, get: reloading the page cannot post the form again (a second key).
    r = client.get("/settings")
    raw = re.search(r'id="new-management-key">(seg_mgmt_[\w-]+)<', r.text)
    assert raw, r.text
    assert r.headers["cache-control"] == "no-store"
    with app.state.sessions() as s:
        assert s.scalar(select(func.count()).select_from(ManagementKey)) == 1
    # The raw key works, and is never shown again.
    mgmt = {"Authorization": f"Bearer {raw.group(1)}"}
    assert client.get("/api/v1/manage/projects", headers=mgmt).status_code == 200
    listing = client.get("/settings").text
    assert raw.group(1) not in listing
    assert f"seg_mgmt_…{raw.group(1)[-4:]}" in listing and "CI" in listing
    assert "Never" not in listing  # last used is shown once used
    key_id = re.search(r"/settings/management-keys/([\w-]+)/revoke", listing)
    assert key_id
    r = client.post(
        f"/settings/management-keys/{key_id.group(1)}/revoke",
        data={"csrf_token": token},
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert client.get("/api/v1/manage/projects", headers=mgmt).status_code == 401
    assert "Revoked" in client.get("/settings").text


def test_management_keys_need_enterprise_and_the_owner(client: TestClient, app: Any) -> None:
    user = signup(client)
    _login(client, user)
    page = client.get("/settings")
    assert "needs the Enterprise plan" in page.text and "Create key" not in page.text
    token = form_csrf(client, "/settings")
    r = client.post("/settings/management-keys", data={"csrf_token": token, "name": "CI"})
    assert r.status_code == 402 and "Copy your new key" not in r.text
    with app.state.sessions() as s:
        assert s.scalar(select(func.count()).select_from(ManagementKey)) == 0


def test_a_new_key_cookie_shows_only_a_live_key_of_this_organization(
    client: TestClient, owner: dict[str, Any]
) -> None:
    client.cookies.set("seg_new_mgmt_key", "seg_mgmt_" + "A" * 40, path="/settings")
    page = client.get("/settings")
    assert page.status_code == 200 and "new-management-key" not in page.text
    assert "seg_mgmt_AAAA" not in page.text
