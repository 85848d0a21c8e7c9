from __future__ import annotations

import uuid

from fastapi.testclient import TestClient

from segmently.auth.passwords import hash_password
from segmently.db.models import Membership, User
from tests.accounts import PASSWORD, signup


def _add_member(app, org_id: str, email: str) -> str:  # type: ignore[no-untyped-def]
    with app.state.sessions() as s:
        user = User(email=email, name="Member", password_hash=hash_password(PASSWORD, 10))
        s.add(user)
        s.flush()
        m = Membership(org_id=uuid.UUID(org_id), user_id=user.id, role="member", status="active")
        s.add(m)
        user.current_org_id = uuid.UUID(org_id)
        s.commit()
        return str(m.id)


def test_suspending_a_member_revokes_their_token_and_login(client: TestClient, app) -> None:  # type: ignore[no-untyped-def]
    owner = signup(client)
    org_id = owner["user"]["organization"]["id"]
    member_id = _add_member(app, org_id, "member@example.com")
    login = client.post(
        "/api/v1/auth/login", json={"email": "member@example.com", "password": PASSWORD}
    )
    assert login.status_code == 200
    member_headers = {"Authorization": f"Bearer {login.json()['token']}"}
    assert client.get("/api/v1/projects", headers=member_headers).status_code == 200

    # A member cannot suspend anyone.
    r = client.post(
        f"/api/v1/organization/members/{member_id}/status",
        json={"status": "suspended"},
        headers=member_headers,
    )
    assert r.status_code == 403

    r = client.post(
        f"/api/v1/organization/members/{member_id}/status",
        json={"status": "suspended"},
        headers=owner["headers"],
    )
    assert r.status_code == 200 and r.json()["status"] == "suspended"
    assert client.get("/api/v1/projects", headers=member_headers).status_code == 401
    again = client.post(
        "/api/v1/auth/login", json={"email": "member@example.com", "password": PASSWORD}
    )
    assert again.status_code == 401
    assert again.json()["error"]["code"] == "account_suspended"

    r = client.post(
        f"/api/v1/organization/members/{member_id}/status",
        json={"status": "active"},
        headers=owner["headers"],
    )
    assert r.status_code == 200
    back = client.post(
        "/api/v1/auth/login", json={"email": "member@example.com", "password": PASSWORD}
    )
    assert back.status_code == 200


def test_deactivated_user_is_refused_at_once(client: TestClient, app) -> None:  # type: ignore[no-untyped-def]
    data = signup(client)
    with app.state.sessions() as s:
        user = s.get(User, uuid.UUID(data["user"]["id"]))
        user.is_active = False
        s.commit()
    assert client.get("/api/v1/me", headers=data["headers"]).status_code == 401


def test_owner_cannot_suspend_a_member_of_another_org(client: TestClient, app) -> None:  # type: ignore[no-untyped-def]
    a = signup(client)
    b = signup(client)
    member_b = _add_member(app, b["user"]["organization"]["id"], "mb@example.com")
    r = client.post(
        f"/api/v1/organization/members/{member_b}/status",
        json={"status": "suspended"},
        headers=a["headers"],
    )
    assert r.status_code == 404
