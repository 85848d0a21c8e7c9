"""Dashboard forms with hostile values, generated: a page with an inline error or a redirect
(never a 5xx), and the pages still render afterwards — on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote_from_bytes

from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st

from tests.accounts import dashboard_signup, form_csrf
from tests.experiments.factories import set_tier
from tests.hostile import examples, hostile_text

# Form values arrive percent-encoded: besides text, any bytes (invalid UTF-8, encoded surrogates).
form_values = st.one_of(
    hostile_text.map(lambda t: t.encode("utf-8", "surrogatepass")),
    st.binary(max_size=40),
    st.sampled_from([b"\xed\xa0\x80", b"\xff\xfe", b"\x00", b"a" * 20_000]),
)
FORMS = {
    "/projects": ["name", "base_url"],
    "/projects/{project}/settings": ["name", "base_url", "conversion_urls", "cookie_mode"],
    "/projects/{project}/delete": ["confirm"],
    "/account": ["name", "email"],
    "/account/password": ["current_password", "new_password"],
    "/settings/management-keys": ["name"],
}
ANONYMOUS = {
    "/signup": ["name", "email", "organization_name", "password"],
    "/login": ["email", "password"],
}


def _post_form(
    client: TestClient, url: str, token: str, fields: list[str], values: list[bytes]
) -> Any:
    parts = [f"csrf_token={token}"] + [
        f"{name}={quote_from_bytes(value)}" for name, value in zip(fields, values, strict=False)
    ]
    return client.post(
        url,
        content="&".join(parts).encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        follow_redirects=False,
    )


def test_hostile_form_values_get_inline_errors_or_redirects(client: TestClient, app: Any) -> None:
    r = dashboard_signup(client, name="Ada", organization_name="Engines")
    assert r.status_code == 303, r.text
    me = client.get("/api/v1/me").json()
    set_tier(app, str(me["organization"]["id"]), "enterprise")
    token = form_csrf(client, "/projects")
    r = client.post("/projects", data={"csrf_token": token, "name": "Shop"}, follow_redirects=False)
    assert r.status_code == 303, r.text
    project = r.headers["location"].rsplit("/", 1)[-1]

    @examples(60)
    @given(
        path=st.sampled_from(sorted(FORMS)),
        values=st.lists(form_values, min_size=4, max_size=4),
    )
    def check(path: str, values: list[bytes]) -> None:
        r = _post_form(client, path.format(project=project), token, FORMS[path], values)
        # 404: a value typed as the new name and then as the deletion confirmation
        assert r.status_code in (200, 303, 400, 402, 403, 404, 409, 413, 422, 429), r.text[:500]
        for page in ("/projects", f"/projects/{project}/settings", "/account", "/settings"):
            shown = client.get(page, follow_redirects=False)
            assert shown.status_code in (200, 303, 404), (page, shown.text[:500])

    check()


def test_hostile_signup_and_login_forms_get_inline_errors(client: TestClient, app: Any) -> None:
    @examples(40)
    @given(
        path=st.sampled_from(sorted(ANONYMOUS)),
        values=st.lists(form_values, min_size=4, max_size=4),
    )
    def check(path: str, values: list[bytes]) -> None:
        client.cookies.clear()  # stay anonymous (a lucky signup would log in)
        fresh = form_csrf(client, "/signup")
        r = _post_form(client, path, fresh, ANONYMOUS[path], values)
        assert r.status_code in (200, 303, 400, 401, 409, 413, 422, 429), r.text[:500]

    check()
