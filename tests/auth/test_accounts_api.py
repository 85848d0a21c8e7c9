from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from segmently.db.models import Organization, User
from tests.accounts import PASSWORD, signup


def _count(app, model) -> int:  # type: ignore[no-untyped-def]
    with app.state.sessions() as s:
        return s.scalar(select(func.count()).select_from(model))


def test_signup_creates_free_org_with_owner(client: TestClient) -> None:
    data = signup(client, email="Ada@Example.com", organization_name="Acme")
    user = data["user"]
    assert user["email"] == "ada@example.com"
    assert user["organization"] == {
        "id": user["organization"]["id"],
        "name": "Acme",
        "plan": "free",
        "role": "owner",
    }
    me = client.get("/api/v1/me", headers=data["headers"])
    assert me.status_code == 200
    assert me.json()["name"] == user["name"]


def test_duplicate_email_is_refused_and_stores_nothing(client: TestClient, app) -> None:  # type: ignore[no-untyped-def]
    signup(client, email="dup@example.com")
    before = (_count(app, User), _count(app, Organization))
    resp = client.post(
        "/api/v1/auth/signup",
        json={
            "name": "X",
            "email": "DUP@example.com",
            "organization_name": "O",
            "password": PASSWORD,
        },
    )
    assert resp.status_code == 409
    assert resp.json()["error"]["code"] == "email_taken"
    assert resp.json()["error"]["field"] == "email"
    assert (_count(app, User), _count(app, Organization)) == before


def test_bad_signup_inputs_get_clear_errors_and_store_nothing(client: TestClient, app) -> None:  # type: ignore[no-untyped-def]
    base = {
        "name": "Ada",
        "email": "ada@example.com",
        "organization_name": "Acme",
        "password": PASSWORD,
    }
    cases = [
        ({"email": "not-an-email"}, "email", "invalid_email"),
        ({"email": ""}, "email", "invalid_email"),
        ({"password": "1234567"}, "password", "password_too_short"),
        ({"password": "a" * 73}, "password", "password_too_long"),
        ({"password": "é" * 37}, "password", "password_too_long"),  # 74 bytes, 37 characters
        ({"name": "   "}, "name", "invalid_input"),
        ({"organization_name": "x" * 101}, "organization_name", "invalid_input"),
        ({"name": "bad\x00name"}, "name", "invalid_input"),
    ]
    for change, field, code in cases:
        resp = client.post("/api/v1/auth/signup", json=base | change)
        assert resp.status_code == 422, (change, resp.text)
        err = resp.json()["error"]
        assert (err["field"], err["code"]) == (field, code), change
        assert err["message"]
    assert _count(app, User) == 0


def test_passwords_at_the_limits_are_accepted(client: TestClient) -> None:
    signup(client, password="12345678")
    signup(client, password="a" * 72)
    signup(client, password="é" * 36)  # exactly 72 bytes


def test_malformed_json_is_a_400_with_the_error_shape(client: TestClient) -> None:
    resp = client.post(
        "/api/v1/auth/signup", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert resp.status_code == 400
    assert resp.json()["error"]["code"] == "invalid_json"


def test_unknown_email_and_wrong_password_answer_alike(client: TestClient) -> None:
    data = signup(client)
    wrong = client.post(
        "/api/v1/auth/login", json={"email": data["email"], "password": "nope-nope"}
    )
    unknown = client.post(
        "/api/v1/auth/login", json={"email": "ghost@example.com", "password": "nope-nope"}
    )
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()
    ok = client.post("/api/v1/auth/login", json={"email": data["email"], "password": PASSWORD})
    assert ok.status_code == 200
    assert (
        client.get(
            "/api/v1/me", headers={"Authorization": f"Bearer {ok.json()['token']}"}
        ).status_code
        == 200
    )


def test_failed_logins_are_throttled_per_account(client: TestClient) -> None:
    data = signup(client)
    for _ in range(10):
        r = client.post(
            "/api/v1/auth/login", json={"email": data["email"], "password": "wrong-pass"}
        )
        assert r.status_code == 401
    r = client.post("/api/v1/auth/login", json={"email": data["email"], "password": PASSWORD})
    assert r.status_code == 429
    assert int(r.headers["Retry-After"]) > 0
    assert r.json()["error"]["code"] == "rate_limited"


def test_failed_logins_are_throttled_per_ip(settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from segmently.web.app import create_app
    from tests.conftest import make_settings

    app = create_app(make_settings(settings.database_url, tmp_path, auth__login_failures_per_ip=5))
    with TestClient(app) as c:
        for i in range(5):
            r = c.post(
                "/api/v1/auth/login", json={"email": f"x{i}@example.com", "password": "wrong-pass"}
            )
            assert r.status_code == 401
        r = c.post(
            "/api/v1/auth/login", json={"email": "other@example.com", "password": "wrong-pass"}
        )
        assert r.status_code == 429
    app.state.engine.dispose()


def test_logout_revokes_the_token_at_once(client: TestClient) -> None:
    data = signup(client)
    assert client.post("/api/v1/auth/logout", headers=data["headers"]).status_code == 204
    r = client.get("/api/v1/me", headers=data["headers"])
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "invalid_token"


def test_change_password_needs_the_current_one_and_revokes_old_tokens(client: TestClient) -> None:
    data = signup(client)
    bad = client.post(
        "/api/v1/me/password",
        json={"current_password": "wrong-one", "new_password": "another password"},
        headers=data["headers"],
    )
    assert bad.status_code == 422
    assert bad.json()["error"]["field"] == "current_password"
    short = client.post(
        "/api/v1/me/password",
        json={"current_password": PASSWORD, "new_password": "short"},
        headers=data["headers"],
    )
    assert short.status_code == 422
    assert short.json()["error"]["field"] == "new_password"
    ok = client.post(
        "/api/v1/me/password",
        json={"current_password": PASSWORD, "new_password": "another password"},
        headers=data["headers"],
    )
    assert ok.status_code == 200
    assert client.get("/api/v1/me", headers=data["headers"]).status_code == 401
    fresh = {"Authorization": f"Bearer {ok.json()['token']}"}
    assert client.get("/api/v1/me", headers=fresh).status_code == 200
    login = client.post(
        "/api/v1/auth/login", json={"email": data["email"], "password": "another password"}
    )
    assert login.status_code == 200


def test_profile_update_and_taken_email(client: TestClient) -> None:
    a = signup(client)
    b = signup(client)
    r = client.patch("/api/v1/me", json={"name": "Grace Hopper"}, headers=a["headers"])
    assert r.status_code == 200 and r.json()["name"] == "Grace Hopper"
    r = client.patch("/api/v1/me", json={"email": b["email"]}, headers=a["headers"])
    assert r.status_code == 409
    assert r.json()["error"]["field"] == "email"


def test_garbage_and_tampered_tokens_are_refused(client: TestClient) -> None:
    data = signup(client)
    token = data["token"]
    for bad in ["garbage", token[:-2] + "xx", token + "a", "Bearer"]:
        r = client.get("/api/v1/me", headers={"Authorization": f"Bearer {bad}"})
        assert r.status_code == 401
    import jwt

    forged = jwt.encode(
        {"sub": data["user"]["id"], "ver": 0, "exp": 9999999999, "typ": "session"},
        "x" * 40,
        algorithm="HS256",
    )
    assert (
        client.get("/api/v1/me", headers={"Authorization": f"Bearer {forged}"}).status_code == 401
    )
    none_alg = jwt.encode(
        {"sub": data["user"]["id"], "ver": 0, "exp": 9999999999, "typ": "session"},
        None,
        algorithm="none",
    )
    assert (
        client.get("/api/v1/me", headers={"Authorization": f"Bearer {none_alg}"}).status_code == 401
    )


def test_login_with_unstorable_text_is_a_plain_401(client: TestClient) -> None:
    signup(client)
    cases = {
        "\\u0000": 401,
        "a\\u0000@example.com": 401,
        "\\ud800@example.com": 422,  # not a valid string at all: refused before the service
    }
    for email, status in cases.items():
        body = '{"email": "' + email + '", "password": "whatever1"}'
        r = client.post(
            "/api/v1/auth/login", content=body, headers={"content-type": "application/json"}
        )
        assert r.status_code == status, (email, r.text)
