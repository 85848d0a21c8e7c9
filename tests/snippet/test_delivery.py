"""GET /s/<key>.js, /s/<key>.json and /segmently.js: inlined config, caching, country."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from segmently.snippet import service
from segmently.snippet.settings import SnippetSettings
from tests.accounts import create_project, signup
from tests.experiments.factories import act, create, set_tier


@pytest.fixture
def setup(client: TestClient, app: Any) -> dict[str, Any]:
    app.state.config_cache.ttl = 0
    user = signup(client)
    set_tier(app, user["user"]["organization"]["id"], "enterprise")
    user["project"] = create_project(client, user["headers"])
    user["api_key"] = user["project"]["api_key"]
    return user


def _boot(body: str) -> dict[str, Any]:
    match = re.match(r"self\.__sgc=(\{.*?\});\n", body)
    assert match, body[:200]
    result: dict[str, Any] = json.loads(match.group(1))
    return result


def test_snippet_inlines_the_config_and_revalidates(
    client: TestClient, setup: dict[str, Any]
) -> None:
    key = setup["api_key"]
    e = create(client, setup["headers"], setup["project"]["id"])
    act(client, setup["headers"], e["id"], "start")
    r = client.get(f"/s/{key}.js")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/javascript")
    assert r.headers["cache-control"] == "public, max-age=60"
    boot = _boot(r.text)
    assert boot["k"] == key and boot["b"] == "http://testserver" and "g" not in boot
    assert [x["slug"] for x in boot["c"]["experiments"]] == [e["slug"]]
    assert r.text.endswith(service.core().body.decode())
    etag = r.headers["etag"]
    assert client.get(f"/s/{key}.js", headers={"If-None-Match": etag}).status_code == 304

    # A config change is a new body and a new ETag.
    act(client, setup["headers"], e["id"], "pause")
    r2 = client.get(f"/s/{key}.js", headers={"If-None-Match": etag})
    assert r2.status_code == 200 and r2.headers["etag"] != etag
    assert _boot(r2.text)["c"]["experiments"] == []


def test_unknown_key_is_harmless_javascript(client: TestClient, setup: dict[str, Any]) -> None:
    r = client.get("/s/seg_live_nope.js")
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("application/javascript")
    assert r.text.startswith("/*")
    assert client.get("/s/seg_live_nope.json").status_code == 401


def test_country_injected_only_with_country_targeting(
    client: TestClient, app: Any, setup: dict[str, Any]
) -> None:
    app.state.snippet_settings = SnippetSettings(country_header="CF-IPCountry")
    key = setup["api_key"]
    e = create(client, setup["headers"], setup["project"]["id"])
    act(client, setup["headers"], e["id"], "start")
    r = client.get(f"/s/{key}.js", headers={"CF-IPCountry": "DE"})
    assert "g" not in _boot(r.text) and r.headers["cache-control"].startswith("public")

    geo = create(
        client,
        setup["headers"],
        setup["project"]["id"],
        name="Geo test",
        targeting={"url_rules": [], "device": "all", "countries": ["DE"], "attributes": []},
    )
    act(client, setup["headers"], geo["id"], "start")
    r = client.get(f"/s/{key}.js", headers={"CF-IPCountry": "de"})
    assert _boot(r.text)["g"] == "DE"
    assert r.headers["cache-control"] == "private, max-age=60"
    assert "CF-IPCountry" in r.headers["vary"]
    other = client.get(f"/s/{key}.js", headers={"CF-IPCountry": "US"})
    assert _boot(other.text)["g"] == "US" and other.headers["etag"] != r.headers["etag"]
    unknown = client.get(f"/s/{key}.js", headers={"CF-IPCountry": "XX"})
    assert "g" not in _boot(unknown.text)
    assert client.get(f"/s/{key}.json", headers={"CF-IPCountry": "FR"}).json()["country"] == "FR"


def test_country_header_only_from_trusted_proxies() -> None:
    assert service.trusted("10.0.0.5", "")
    assert service.trusted("10.0.0.5", "10.0.0.0/8, 192.168.1.1")
    assert not service.trusted("203.0.113.9", "10.0.0.0/8")
    assert not service.trusted(None, "10.0.0.0/8")
    assert service.clean_country(" gb ") == "GB"
    assert service.clean_country("T1") is None and service.clean_country(None) is None


def test_config_json_and_preview_for_data_api_key_installs(
    client: TestClient, setup: dict[str, Any]
) -> None:
    key = setup["api_key"]
    draft = create(client, setup["headers"], setup["project"]["id"])
    r = client.get(f"/s/{key}.json")
    assert r.status_code == 200 and r.json()["experiments"] == []
    assert r.headers["access-control-allow-origin"] == "*"
    variant = draft["variants"][1]["id"]
    p = client.get(f"/s/{key}.json", params={"preview": f"{draft['slug']}:{variant}"})
    assert [x["slug"] for x in p.json()["experiments"]] == [draft["slug"]]
    assert p.headers["cache-control"] == "no-store"
    wrong = client.get(f"/s/{key}.json", params={"preview": f"{draft['slug']}:nope"})
    assert wrong.json()["experiments"] == []


def test_core_file_alone(client: TestClient, setup: dict[str, Any]) -> None:
    r = client.get("/segmently.js")
    assert r.status_code == 200 and r.content == service.core().body
    assert r.headers["cache-control"] == "public, max-age=300"
    assert (
        client.get("/segmently.js", headers={"If-None-Match": r.headers["etag"]}).status_code == 304
    )
    assert client.get("/static/dist/segmently-extras.js").status_code == 200


def test_regex_outside_the_subset_is_delivered_as_never_matching() -> None:
    body = json.dumps(
        {
            "experiments": [
                {
                    "targeting": {
                        "url_rules": [
                            {"type": "regex", "value": "(a+)+$"},
                            {"type": "regex", "value": "^https://example\\.com/p/[0-9]+$"},
                            {"type": "contains", "value": "(a+)+"},
                        ]
                    }
                }
            ]
        }
    ).encode()
    prepared = service.prepare(None, body)
    rules = json.loads(prepared.body)["experiments"][0]["targeting"]["url_rules"]
    assert [r["type"] for r in rules] == ["refused", "regex", "contains"]
    assert prepared.countries is False
    untouched = json.dumps({"experiments": []}).encode()
    assert service.prepare(None, untouched).body is untouched
