from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest


def _run(args: list[str], db_url: str, data_dir: Path) -> subprocess.CompletedProcess[str]:
    env = os.environ | {
        "SEGMENTLY_DATABASE_URL": db_url,
        "SEGMENTLY_DATA_DIR": str(data_dir),
        "SEGMENTLY_BCRYPT_ROUNDS": "10",
    }
    return subprocess.run(
        [sys.executable, "-m", "segmently", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_demo_is_idempotent_and_prints_json(db_url: str, tmp_path: Path) -> None:
    first = _run(["demo"], db_url, tmp_path)
    assert first.returncode == 0, first.stderr
    a = json.loads(first.stdout)
    for field in ["api_key", "project_id", "dashboard_url", "email", "password"]:
        assert a[field], field
    assert a["api_key"].startswith("seg_live_")
    second = json.loads(_run(["demo"], db_url, tmp_path).stdout)
    assert (second["project_id"], second["api_key"], second["password"]) == (
        a["project_id"],
        a["api_key"],
        a["password"],
    )
    # The printed credentials log in, on the Enterprise plan.
    from fastapi.testclient import TestClient

    from segmently.web.app import create_app
    from tests.conftest import make_settings

    app = create_app(make_settings(db_url, tmp_path))
    with TestClient(app) as c:
        r = c.post("/api/v1/auth/login", json={"email": a["email"], "password": a["password"]})
        assert r.status_code == 200
        assert r.json()["user"]["organization"]["plan"] == "enterprise"
        assert c.get("/api/v1/project", headers={"X-API-Key": a["api_key"]}).status_code == 200
        # The fresh management key works; the previous call's key was retired.
        mine = c.get(
            f"/api/v1/manage/experiments/{a['experiment_id']}",
            headers={"Authorization": f"Bearer {second['management_key']}"},
        )
        assert mine.status_code == 200 and mine.json()["status"] == "live"
        old = c.get(
            "/api/v1/manage/projects", headers={"Authorization": f"Bearer {a['management_key']}"}
        )
        assert old.status_code == 401
        # The live demo experiment is in the compiled config, and /demo/shop embeds the snippet.
        cfg = c.get("/api/v1/config", headers={"X-API-Key": a["api_key"]}).json()
        assert [e["slug"] for e in cfg["experiments"]] == [a["experiment_slug"]]
        page = c.get("/demo/shop")
        assert page.status_code == 200 and f"/s/{a['api_key']}.js" in page.text
        assert 'id="buy-button"' in page.text
    app.state.engine.dispose()


def test_demo_only_if_empty_leaves_a_used_database_alone(db_url: str, tmp_path: Path) -> None:
    made = _run(
        [
            "create-user",
            "--email",
            "me@example.com",
            "--name",
            "Me",
            "--organization",
            "Mine",
            "--password",
            "long enough",
        ],
        db_url,
        tmp_path,
    )
    assert made.returncode == 0, made.stderr
    r = _run(["demo", "--only-if-empty"], db_url, tmp_path)
    assert r.returncode == 0 and r.stdout == ""


def test_create_user_refuses_a_short_password(db_url: str, tmp_path: Path) -> None:
    r = _run(
        [
            "create-user",
            "--email",
            "me@example.com",
            "--name",
            "Me",
            "--organization",
            "Mine",
            "--password",
            "short",
        ],
        db_url,
        tmp_path,
    )
    assert r.returncode == 1
    assert "at least 8 characters" in r.stderr


def test_bad_setting_stops_the_cli_with_its_name(tmp_path: Path) -> None:
    env = os.environ | {"SEGMENTLY_BASE_URL": "nope", "SEGMENTLY_DATA_DIR": str(tmp_path)}
    r = subprocess.run(
        [sys.executable, "-m", "segmently", "migrate"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert r.returncode == 2
    assert "SEGMENTLY_BASE_URL" in r.stderr


@pytest.mark.parametrize("backend", ["sqlite"])
def test_migrate_command(backend: str, tmp_path: Path, sqlite_url: str) -> None:
    url = f"sqlite:///{tmp_path}/fresh.db"
    r = _run(["migrate"], url, tmp_path)
    assert r.returncode == 0, r.stderr
    assert "up to date" in r.stderr
