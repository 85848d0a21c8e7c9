from __future__ import annotations

from fastapi.testclient import TestClient


def test_demo_shop_explains_itself_without_a_demo_account(client: TestClient) -> None:
    for path in ["/demo/shop", "/demo/shop/cart", "/demo/shop/thank-you"]:
        r = client.get(path)
        assert r.status_code == 200
        assert "segmently demo" in r.text
        assert "/s/" not in r.text
