"""The editor's probe: SSRF refusals, frame verdicts from X-Frame-Options and CSP, snippet found."""

from __future__ import annotations

import socket
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from pytest_httpserver import HTTPServer

from segmently.editor.service import frame_verdict
from segmently.editor.settings import EditorSettings
from tests.accounts import signup

DASH = "https://app.segmently.test"
SNIPPET_HTML = '<html><head><script src="https://app.segmently.test/s/seg_live_abc123.js"></script>'


def _verdict(
    headers: dict[str, str] | list[tuple[str, str]], page: str = "https://shop.test/"
) -> Any:
    return frame_verdict(httpx.Headers(headers), page, DASH)[0]


@pytest.mark.parametrize(
    ("headers", "page", "block"),
    [
        ({}, "https://shop.test/", None),
        ({"X-Frame-Options": "DENY"}, "https://shop.test/", "x-frame-options"),
        ({"X-Frame-Options": "deny"}, "https://shop.test/", "x-frame-options"),
        ({"X-Frame-Options": "SAMEORIGIN"}, "https://shop.test/", "x-frame-options"),
        ({"X-Frame-Options": "SAMEORIGIN"}, "https://app.segmently.test/x", None),
        ({"X-Frame-Options": "ALLOW-FROM https://app.segmently.test"}, "https://shop.test/", None),
        ({"Content-Security-Policy": "frame-ancestors 'none'"}, "https://shop.test/", "csp"),
        (
            {"Content-Security-Policy": "default-src 'self'; frame-ancestors 'self'"},
            "https://shop.test/",
            "csp",
        ),
        (
            {"Content-Security-Policy": "frame-ancestors 'self'"},
            "https://app.segmently.test/",
            None,
        ),
        ({"Content-Security-Policy": "frame-ancestors *"}, "https://shop.test/", None),
        ({"Content-Security-Policy": "frame-ancestors https:"}, "https://shop.test/", None),
        (
            {"Content-Security-Policy": "frame-ancestors https://app.segmently.test"},
            "https://shop.test/",
            None,
        ),
        (
            {"Content-Security-Policy": "frame-ancestors app.segmently.test"},
            "https://shop.test/",
            None,
        ),
        (
            {"Content-Security-Policy": "frame-ancestors *.segmently.test"},
            "https://shop.test/",
            None,
        ),
        (
            {"Content-Security-Policy": "frame-ancestors https://app.segmently.test:8443"},
            "https://shop.test/",
            "csp",
        ),
        (
            {"Content-Security-Policy": "frame-ancestors http://app.segmently.test"},
            "https://shop.test/",
            None,
        ),
        (
            {"Content-Security-Policy": "frame-ancestors https://other.test"},
            "https://shop.test/",
            "csp",
        ),
        # CSP frame-ancestors wins over X-Frame-Options, as in browsers.
        (
            {"Content-Security-Policy": "frame-ancestors *", "X-Frame-Options": "DENY"},
            "https://shop.test/",
            None,
        ),
        # A CSP without frame-ancestors leaves X-Frame-Options in charge.
        (
            {"Content-Security-Policy": "script-src 'self'", "X-Frame-Options": "DENY"},
            "https://shop.test/",
            "x-frame-options",
        ),
    ],
)
def test_frame_verdict(headers: dict[str, str], page: str, block: str | None) -> None:
    assert _verdict(headers, page) == block


def test_every_enforced_policy_must_allow() -> None:
    headers = [
        ("Content-Security-Policy", "frame-ancestors *"),
        ("Content-Security-Policy", "frame-ancestors https://other.test"),
    ]
    assert _verdict(headers) == "csp"
    assert (
        _verdict([("Content-Security-Policy", "frame-ancestors *, frame-ancestors 'none'")])
        == "csp"
    )


def _user(client: TestClient, *, allow_private: bool) -> dict[str, str]:
    client.app.state.editor_settings = EditorSettings(editor_allow_private_urls=allow_private)  # type: ignore[attr-defined]
    headers: dict[str, str] = signup(client)["headers"]
    return headers


def test_needs_a_signed_in_user(client: TestClient) -> None:
    r = client.get("/api/v1/editor/probe", params={"url": "https://example.com/"})
    assert r.status_code == 401


REFUSED = [
    "http://127.0.0.1:8000/",
    "http://localhost/",
    "http://10.1.2.3/admin",
    "http://[::1]/",
    "http://169.254.169.254/latest/meta-data/",
    "http://intranet/",
    "http://db.internal/",
    "ftp://example.com/",
    "file:///etc/passwd",
    "https://user:pw@example.com/",
]


def test_refuses_private_and_odd_urls(client: TestClient) -> None:
    headers = _user(client, allow_private=False)
    for url in REFUSED:
        r = client.get("/api/v1/editor/probe", params={"url": url}, headers=headers)
        assert r.status_code == 422, (url, r.text)
        assert r.json()["error"]["code"] in {"unsafe_url", "invalid_url"}, url
        assert r.json()["error"]["field"] == "url"


def test_refuses_a_name_that_resolves_inside(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    headers = _user(client, allow_private=False)

    def fake(host: str, port: int, *args: Any, **kwargs: Any) -> list[Any]:
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.0.0.7", port))]

    monkeypatch.setattr(socket, "getaddrinfo", fake)
    r = client.get(
        "/api/v1/editor/probe", params={"url": "https://shop.example.com/"}, headers=headers
    )
    assert r.status_code == 422
    assert r.json()["error"]["code"] == "unsafe_url"


def test_allowed_private_page_with_snippet(client: TestClient, httpserver: HTTPServer) -> None:
    headers = _user(client, allow_private=True)
    httpserver.expect_request("/shop").respond_with_data(SNIPPET_HTML, content_type="text/html")
    r = client.get(
        "/api/v1/editor/probe", params={"url": httpserver.url_for("/shop")}, headers=headers
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["reachable"] and body["framable"] and body["snippet_found"]
    assert body["frame_block"] is None and body["status_code"] == 200


def test_blocked_page_and_missing_snippet(client: TestClient, httpserver: HTTPServer) -> None:
    headers = _user(client, allow_private=True)
    httpserver.expect_request("/deny").respond_with_data(
        "<html>no snippet</html>", content_type="text/html", headers={"X-Frame-Options": "DENY"}
    )
    r = client.get(
        "/api/v1/editor/probe", params={"url": httpserver.url_for("/deny")}, headers=headers
    )
    body = r.json()
    assert body["framable"] is False and body["frame_block"] == "x-frame-options"
    assert body["snippet_found"] is False
    assert "X-Frame-Options: DENY" in body["message"]


def test_redirects_are_followed_and_rechecked(client: TestClient, httpserver: HTTPServer) -> None:
    headers = _user(client, allow_private=True)
    httpserver.expect_request("/old").respond_with_data(
        "", status=302, headers={"Location": "/new"}
    )
    httpserver.expect_request("/new").respond_with_data(
        SNIPPET_HTML,
        content_type="text/html",
        headers={"Content-Security-Policy": "frame-ancestors 'none'"},
    )
    r = client.get(
        "/api/v1/editor/probe", params={"url": httpserver.url_for("/old")}, headers=headers
    )
    body = r.json()
    assert body["final_url"] == httpserver.url_for("/new")
    assert body["frame_block"] == "csp" and body["snippet_found"] is True
    # A redirect to a private address is refused when private addresses are not allowed.
    httpserver.expect_request("/away").respond_with_data(
        "", status=301, headers={"Location": "http://127.0.0.1:1/"}
    )
    headers = _user(client, allow_private=False)
    # The first hop is on localhost too, so only the guard's refusal can be checked here.
    r = client.get(
        "/api/v1/editor/probe", params={"url": httpserver.url_for("/away")}, headers=headers
    )
    assert r.status_code == 422


def test_unreachable_page_is_reported(client: TestClient) -> None:
    headers = _user(client, allow_private=True)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    r = client.get(
        "/api/v1/editor/probe", params={"url": f"http://127.0.0.1:{port}/"}, headers=headers
    )
    assert r.status_code == 200
    assert r.json()["reachable"] is False


def test_refuses_a_connection_that_lands_inside(
    client: TestClient, httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """DNS rebinding: the name looked public when checked, the connection reached 127.0.0.1."""
    from segmently.editor import service

    headers = _user(client, allow_private=False)
    httpserver.expect_request("/").respond_with_data(SNIPPET_HTML, content_type="text/html")
    real = socket.getaddrinfo

    def rebound(host: str, port: int, *args: Any, **kwargs: Any) -> Any:
        return real("127.0.0.1" if host == "rebind.example.com" else host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", rebound)
    monkeypatch.setattr(service, "resolve_public", lambda host, port: ["93.184.216.34"])
    url = f"http://rebind.example.com:{httpserver.port}/"
    r = client.get("/api/v1/editor/probe", params={"url": url}, headers=headers)
    assert r.status_code == 422, r.text
    assert r.json()["error"]["code"] == "unsafe_url"
