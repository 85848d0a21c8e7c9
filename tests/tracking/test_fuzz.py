"""Hostile input, generated: whatever arrives at the ingestion endpoints with a valid key, the
answer is a documented 2xx or 4xx (never a 5xx), a batch's counts add up, and the results of
the experiment the events name still compute — on SQLite and PostgreSQL."""

from __future__ import annotations

import gzip
from typing import Any

from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st

from tests.hostile import encode, examples, hostile_text, numbers, values
from tests.tracking.factories import Live, live_experiment

NAMES = ["page_view", "page_exit", "conversion", "purchase", "add_to_cart", "click"]
DATA_KEYS = ["url", "value", "duration_ms", "interacted", "goal_id", "selector"]


@st.composite
def events(draw: Any, live: Live) -> Any:
    if draw(st.integers(0, 9)) == 0:  # now and then not even an object
        return draw(values)

    def pick_or(known: list[Any], other: st.SearchStrategy[Any]) -> Any:
        return draw(st.one_of(st.sampled_from(known), other))

    event: dict[str, Any] = {
        "event_id": draw(st.one_of(st.uuids().map(str), hostile_text, values)),
        "event_name": pick_or(NAMES, values),
        "visitor_id": pick_or(["v1", "v2", "v3"], values),
        "session_id": pick_or(["s1"], values),
        "experiment_id": pick_or([live.id, None], values),
        "variant_id": pick_or([live.variant("control"), live.variant("variant_a"), None], values),
        "device_type": pick_or(["desktop", "mobile", "tablet"], values),
        "event_data": draw(
            st.one_of(
                st.dictionaries(st.sampled_from(DATA_KEYS), values, max_size=4),
                st.fixed_dictionaries(
                    {"url": st.sampled_from(["https://s.example/cart", "/thank-you", "::"])}
                ),
                values,
            )
        ),
    }
    if draw(st.booleans()):
        event["timestamp"] = draw(st.one_of(numbers, hostile_text))
    for name in draw(st.sets(st.sampled_from(sorted(event)), max_size=2)):
        del event[name]  # some fields missing
    return event


def test_hostile_batches_get_4xx_or_add_up_and_results_still_compute(
    client: TestClient, app: Any
) -> None:
    live = live_experiment(client, app)
    headers = {"X-API-Key": live.key, "Content-Type": "application/json"}

    @examples(60)
    @given(batch=st.lists(events(live), max_size=6), track=st.booleans())
    def check(batch: list[Any], track: bool) -> None:
        if track and batch:
            r = client.post("/api/v1/events/track", content=encode(batch[0]), headers=headers)
            assert r.status_code in (200, 400, 422), r.text
            if r.status_code == 200:
                assert r.json()["accepted"] + r.json()["duplicates"] == 1
            return
        body = encode({"events": batch})
        r = client.post("/api/v1/events/batch", content=body, headers=headers)
        assert r.status_code in (200, 400, 413), r.text
        if r.status_code == 200:
            answer = r.json()
            assert answer["accepted"] + answer["duplicates"] + len(answer["rejected"]) == len(batch)
            for rejection in answer["rejected"]:
                assert 0 <= rejection["index"] < len(batch) and rejection["reason"]
        else:
            assert r.json()["error"]["code"]

    check()
    r = client.get(f"/api/v1/experiments/{live.id}/results", headers=live.headers)
    assert r.status_code == 200, r.text


def test_hostile_assign_bodies_get_4xx_or_a_variant(client: TestClient, app: Any) -> None:
    live = live_experiment(client, app)
    headers = {"X-API-Key": live.key, "Content-Type": "application/json"}
    slug = live.experiment["slug"]

    @examples(40)
    @given(
        visitor=st.one_of(st.sampled_from(["v1", "v2"]), values),
        targeting=st.one_of(
            st.dictionaries(
                st.sampled_from(["url", "device", "country", "attributes"]), values, max_size=4
            ),
            values,
        ),
    )
    def check(visitor: Any, targeting: Any) -> None:
        body = encode({"visitor_id": visitor, "targeting_data": targeting})
        r = client.post(f"/api/v1/experiments/{slug}/assign", content=body, headers=headers)
        assert r.status_code in (200, 400, 422), r.text
        if r.status_code == 200:
            answer = r.json()
            assert answer["variant"] is None or answer["variant"]["key"] in (
                "control",
                "variant_a",
            ), answer

    check()


def test_hostile_bytes_and_headers_get_4xx(client: TestClient, app: Any) -> None:
    live = live_experiment(client, app)

    @examples(60)
    @given(
        raw=st.one_of(
            st.binary(max_size=300),
            values.map(lambda v: encode({"events": v})),
            st.binary(max_size=300).map(gzip.compress),
        ),
        content_type=st.sampled_from(
            ["application/json", "text/plain;charset=UTF-8", "text/html", "", "application/x"]
        ),
        encoding=st.sampled_from([None, "gzip", "br", "identity", "gzip, gzip"]),
        path=st.sampled_from(["/api/v1/events/batch", "/api/v1/events/track"]),
    )
    def check(raw: bytes, content_type: str, encoding: str | None, path: str) -> None:
        headers = {"X-API-Key": live.key, "Content-Type": content_type}
        if encoding is not None:
            headers["Content-Encoding"] = encoding
        r = client.post(path, content=raw, headers=headers)
        assert r.status_code in (200, 400, 413, 415, 422), r.text
        if r.status_code != 200:
            assert r.json()["error"]["code"]

    check()
