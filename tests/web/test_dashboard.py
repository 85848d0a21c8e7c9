from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from segmently.db.models import Project, User
from tests.accounts import PASSWORD, create_project, dashboard_signup, form_csrf, signup


def _dashboard_signup(client: TestClient, **fields: str) -> None:
    r = dashboard_signup(client, **fields)
    assert r.status_code == 303, r.text
    assert r.headers["location"].startswith("/projects")


def test_signup_sets_httponly_cookie_and_shows_layout(client: TestClient) -> None:
    _dashboard_signup(client)
    cookie = client.cookies.get("seg_session")
    assert cookie
    page = client.get("/projects")
    assert page.status_code == 200
    assert "Analytical Engines" in page.text
    assert "0/1 Projects" in page.text
    assert "No projects yet" in page.text


def test_session_cookie_flags(client: TestClient) -> None:
    token = form_csrf(client, "/signup")
    r = client.post(
        "/signup",
        data={
            "csrf_token": token,
            "name": "A",
            "email": "a@example.com",
            "organization_name": "O",
            "password": PASSWORD,
        },
        follow_redirects=False,
    )
    set_cookie = r.headers["set-cookie"].lower()
    assert (
        "seg_session=" in set_cookie and "httponly" in set_cookie and "samesite=lax" in set_cookie
    )


def test_form_post_without_csrf_is_refused_and_stores_nothing(client: TestClient, app) -> None:  # type: ignore[no-untyped-def]
    client.get("/signup")
    r = client.post(
        "/signup",
        data={
            "name": "A",
            "email": "a@example.com",
            "organization_name": "O",
            "password": PASSWORD,
        },
    )
    assert r.status_code == 403
    r = client.post(
        "/signup",
        data={
            "csrf_token": "forged",
            "name": "A",
            "email": "a@example.com",
            "organization_name": "O",
            "password": PASSWORD,
        },
    )
    assert r.status_code == 403
    with app.state.sessions() as s:
        assert s.scalar(select(func.count()).select_from(User)) == 0


def test_cookie_authenticated_json_write_needs_csrf(client: TestClient, app) -> None:  # type: ignore[no-untyped-def]
    _dashboard_signup(client)
    r = client.post("/api/v1/projects", json={"name": "Via cookie"})
    assert r.status_code == 403
    assert r.json()["error"]["code"] == "csrf_failed"
    token = client.cookies.get("seg_csrf")
    r = client.post(
        "/api/v1/projects", json={"name": "Via cookie"}, headers={"X-CSRF-Token": token}
    )
    assert r.status_code == 201
    # Reads through the cookie need no token.
    assert client.get("/api/v1/projects").status_code == 200


def test_signup_form_shows_inline_errors_and_keeps_input(client: TestClient) -> None:
    r = dashboard_signup(client, name="Ada", organization_name="Org", password="short")
    assert r.status_code == 422
    assert "at least 8 characters" in r.text
    assert 'value="ada@example.com"' in r.text
    assert "short" not in re.sub(r"<[^>]+>", "", r.text).split("Password must")[0][-50:]


def test_login_wrong_password_inline_error(client: TestClient) -> None:
    signup(client, email="x@example.com")
    token = form_csrf(client)
    r = client.post(
        "/login", data={"csrf_token": token, "email": "x@example.com", "password": "wrong-pass"}
    )
    assert r.status_code == 401
    assert "Email or password is incorrect." in r.text
    r = client.post(
        "/login",
        data={"csrf_token": token, "email": "x@example.com", "password": PASSWORD},
        follow_redirects=False,
    )
    assert r.status_code == 303


def test_create_project_page_flow_and_limit(client: TestClient) -> None:
    _dashboard_signup(client)
    token = client.cookies.get("seg_csrf")
    r = client.post("/projects", data={"csrf_token": token, "name": "", "base_url": ""})
    assert r.status_code == 422 and "Project name is required." in r.text
    r = client.post("/projects", data={"csrf_token": token, "name": "Shop", "base_url": "ftp://x"})
    assert r.status_code == 422 and "http://" in r.text
    r = client.post(
        "/projects",
        data={"csrf_token": token, "name": "Shop", "base_url": "https://shop.example"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    page = client.get(r.headers["location"])
    assert "API Key &amp; Installation" in page.text
    assert "seg_live_" in page.text and "Copy snippet" in page.text
    for guide in ["Plain HTML", "WordPress", "Shopify", "Next.js", "Google Tag Manager"]:
        assert guide in page.text
    listing = client.get("/projects")
    assert "1/1 Projects" in listing.text
    assert re.search(r"<button[^>]*disabled[^>]*>\+ New Project</button>", listing.text)
    assert "Free plan includes 1 project" in listing.text


def test_settings_rename_regenerate_and_delete(client: TestClient, app) -> None:  # type: ignore[no-untyped-def]
    _dashboard_signup(client)
    token = client.cookies.get("seg_csrf")
    r = client.post("/projects", data={"csrf_token": token, "name": "Shop"}, follow_redirects=False)
    pid = r.headers["location"].rsplit("/", 1)[1]
    old_key = client.get(f"/api/v1/projects/{pid}").json()["api_key"]
    r = client.post(
        f"/projects/{pid}/settings",
        data={
            "csrf_token": token,
            "name": "Shop 2",
            "base_url": "",
            "conversion_urls": "/thanks\n/done",
        },
        follow_redirects=False,
    )
    assert r.status_code == 303
    got = client.get(f"/api/v1/projects/{pid}").json()
    assert got["name"] == "Shop 2" and got["settings"]["conversion_urls"] == ["/thanks", "/done"]
    r = client.post(
        f"/projects/{pid}/regenerate-key", data={"csrf_token": token}, follow_redirects=False
    )
    assert r.status_code == 303
    assert client.get("/api/v1/project", headers={"X-API-Key": old_key}).status_code == 401
    r = client.post(f"/projects/{pid}/delete", data={"csrf_token": token, "confirm": "wrong"})
    assert r.status_code == 422 and "Type the project" in r.text
    r = client.post(
        f"/projects/{pid}/delete",
        data={"csrf_token": token, "confirm": "Shop 2"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    with app.state.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Project)) == 0


def test_other_orgs_project_pages_are_404(client: TestClient) -> None:
    other = signup(client)
    theirs = create_project(client, other["headers"], name="Secret Site")
    _dashboard_signup(client)
    token = client.cookies.get("seg_csrf")
    pid = theirs["id"]
    for r in [
        client.get(f"/projects/{pid}"),
        client.get(f"/projects/{pid}/settings"),
        client.post(f"/projects/{pid}/settings", data={"csrf_token": token, "name": "x"}),
        client.post(f"/projects/{pid}/regenerate-key", data={"csrf_token": token}),
        client.post(
            f"/projects/{pid}/delete", data={"csrf_token": token, "confirm": "Secret Site"}
        ),
    ]:
        assert r.status_code == 404
        assert "Secret Site" not in r.text and theirs["api_key"] not in r.text


def test_logout_ends_the_session(client: TestClient) -> None:
    _dashboard_signup(client)
    token = client.cookies.get("seg_csrf")
    session_cookie = client.cookies.get("seg_session")
    r = client.post("/logout", data={"csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303
    client.cookies.set("seg_session", session_cookie)  # an attacker replaying the old cookie
    assert client.get("/projects", follow_redirects=False).status_code == 303
    assert client.get("/api/v1/me").status_code == 401


def test_account_page_profile_and_password(client: TestClient) -> None:
    _dashboard_signup(client)
    token = client.cookies.get("seg_csrf")
    r = client.post(
        "/account",
        data={"csrf_token": token, "name": "Ada L.", "email": "ada@example.com"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert "Ada L." in client.get("/account").text
    r = client.post(
        "/account/password",
        data={"csrf_token": token, "current_password": "nope", "new_password": "newpassword1"},
    )
    assert r.status_code == 422 and "Current password is incorrect." in r.text
    r = client.post(
        "/account/password",
        data={"csrf_token": token, "current_password": PASSWORD, "new_password": "newpassword1"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert client.get("/account").status_code == 200  # new cookie keeps the user signed in


def test_pages_redirect_anonymous_users_to_login(client: TestClient) -> None:
    for path in ["/", "/projects", "/account"]:
        r = client.get(path, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == "/login"
