"""Per-event acceptance and rejection, idempotency, and what is stored — on both databases."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from fastapi.testclient import TestClient

from segmently.db.models import Event
from tests.tracking.factories import event, exposure, live_experiment, send


def _events(app: Any) -> list[Event]:
    with app.state.sessions() as s:
        return list(s.scalars(sa.select(Event).order_by(Event.id)))


def _raw_batch(client: TestClient, key: str, raw_events: list[str]) -> Any:
    body = '{"events": [' + ",".join(raw_events) + "]}"
    return client.post(
        "/api/v1/events/batch",
        content=body.encode("utf-8", "surrogatepass"),
        headers={"X-API-Key": key, "Content-Type": "application/json"},
    )


def test_hostile_values_are_rejected_one_by_one(client: TestClient, app: Any) -> None:
    live = live_experiment(client, app)
    good = json.dumps(event("ok", "v1"))
    now = datetime.now(UTC)

    def ev(**fields: Any) -> str:
        return json.dumps(event("custom", "v1", **fields))

    raw = [
        good,
        ev(event_data={"t": "a\u0000b"}),
        '{"event_name": "x", "visitor_id": "v", "event_data": {"s": "\\ud800"}}',
        '{"event_name": "x", "visitor_id": "v", "event_data": {"n": NaN}}',
        '{"event_name": "x", "visitor_id": "v", "event_data": {"n": Infinity}}',
        '{"event_name": "x", "visitor_id": "v", "event_data": {"n": 1e999}}',
        '{"event_name": "x", "visitor_id": "v", "event_data": {"n": ' + "9" * 5000 + "}}",
        ev(event_data={"a": {"b": {"c": {"d": {"e": {"f": {"g": {"h": {"i": {}}}}}}}}}}),
        ev(event_data={"pad": "x" * 33_000}),
        json.dumps({"visitor_id": "v"}),
        json.dumps({"event_name": "x"}),
        ev(visitor_id="v" * 129),
        ev(event_name="n" * 101),
        ev(event_data=[1, 2]),
        ev(experiment_id=str(uuid.uuid4())),
        ev(experiment_id=live.id, variant_id=str(uuid.uuid4())),
        ev(experiment_id="exp_123"),
        ev(timestamp=(now + timedelta(hours=2)).isoformat()),
        ev(timestamp=(now - timedelta(days=400)).isoformat()),
        ev(event_id="bad id!"),
        ev(device_type="fridge"),
        '"just a string"',
        ev(visitor_id="a\u0000b"),
        '{"event_name": "x\\udc00", "visitor_id": "v"}',
        ev(event_data={"value": -5}),
        ev(timestamp="yesterday"),
        ev(device_type=["desktop"]),  # not a string: rejected, not a 500 (found by test_fuzz)
        ev(device_type={"kind": "mobile"}),
    ]
    r = _raw_batch(client, live.key, raw)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["accepted"] == 1 and body["duplicates"] == 0
    rejected = {item["index"]: item for item in body["rejected"]}
    assert sorted(rejected) == list(range(1, len(raw)))
    reasons = {i: rejected[i]["reason"] for i in rejected}
    assert "NUL" in reasons[1]
    assert "surrogate" in reasons[2]
    assert "finite" in reasons[3] and "finite" in reasons[4]
    assert "range" in reasons[5] and "range" in reasons[6]
    assert "nested" in reasons[7]
    assert "32 KB" in reasons[8]
    assert rejected[9]["field"] == "event_name" and rejected[10]["field"] == "visitor_id"
    assert "longer" in reasons[11] and "longer" in reasons[12]
    assert rejected[13]["field"] == "event_data"
    assert all(reasons[i] == "unknown experiment or variant" for i in (14, 15, 16))
    assert "future" in reasons[17] and "retention" in reasons[18]
    assert rejected[19]["field"] == "event_id"
    assert rejected[len(raw) - 1]["field"] == rejected[len(raw) - 2]["field"] == "device_type"
    stored = _events(app)
    assert [e.event_name for e in stored] == ["ok"]


def test_each_hostile_value_alone_is_rejected_with_its_reason(client: TestClient, app: Any) -> None:
    # Alone in a batch, most of these bodies are read by the fast decoder (orjson), the rest
    # (NaN, lone surrogates, numbers beyond a double) by the careful one: same answers.
    live = live_experiment(client, app)
    cases = {  # event_data as sent → what the rejection says
        '{"t": "a\\u0000b"}': "NUL",
        '{"a\\u0000": 1}': "NUL",
        '{"s": "\\ud800"}': "surrogate",
        '{"n": NaN}': "finite",
        '{"n": 1e999}': "range",
        '{"n": 12345678901234567}': "range",
        '{"n": [-1e16]}': "range",
        '{"n": 18446744073709551615}': "range",
        '{"n": -9223372036854775809}': "range",
        '{"a": ' * 9 + "1" + "}" * 9: "nested",
    }
    for n, (data, reason) in enumerate(cases.items()):
        raw = '{"event_name": "x", "visitor_id": "v", "event_data": ' + data + "}"
        good = json.dumps(event("ok", f"v{n}", event_id=f"good{n}"))
        r = _raw_batch(client, live.key, [good, raw])
        assert r.status_code == 200, (raw, r.text)
        body = r.json()
        assert body["accepted"] == 1, raw
        assert [x["index"] for x in body["rejected"]] == [1], raw
        assert reason in body["rejected"][0]["reason"], (raw, body)
        assert body["rejected"][0]["field"].startswith("event_data"), raw
    assert len(_events(app)) == len(cases)
    r = _raw_batch(client, live.key, [json.dumps(event("ok", "v", event_data={"n": 2**53 - 1}))])
    assert r.json()["accepted"] == 1  # the largest integer the snippet can send is fine


def test_track_rejects_with_422_and_names_the_field(client: TestClient, app: Any) -> None:
    live = live_experiment(client, app)
    r = client.post(
        "/api/v1/events/track",
        json={"event_name": "x", "visitor_id": ""},
        headers={"X-API-Key": live.key},
    )
    assert r.status_code == 422
    assert r.json()["error"]["field"] == "visitor_id"


def test_retention_follows_the_plan(client: TestClient, app: Any) -> None:
    live = live_experiment(client, app, tier="free")
    old = (datetime.now(UTC) - timedelta(days=4)).isoformat()
    recent = int((datetime.now(UTC) - timedelta(days=2)).timestamp() * 1000)
    r = send(client, live.key, [event("a", "v", timestamp=old), event("b", "v", timestamp=recent)])
    body = r.json()
    assert body["accepted"] == 1 and body["rejected"][0]["index"] == 0


def test_replays_are_duplicates_and_the_first_write_wins(client: TestClient, app: Any) -> None:
    live = live_experiment(client, app)
    first = event("a", "v1", event_data={"n": 1})
    second = first | {"event_data": {"n": 2}}
    r = send(client, live.key, [first, second])
    assert r.json() == {"accepted": 1, "duplicates": 1, "rejected": []}
    r = send(client, live.key, [second])
    assert r.json() == {"accepted": 0, "duplicates": 1, "rejected": []}
    stored = _events(app)
    assert len(stored) == 1 and stored[0].event_data == {"n": 1}


def test_server_ids_and_truncated_ip(client: TestClient, app: Any) -> None:
    live = live_experiment(client, app)
    r = client.post(
        "/api/v1/events/track",
        json={"event_name": "x", "visitor_id": "v", "timestamp": "2020-01-01"}
        | {"timestamp": None},
        headers={"X-API-Key": live.key},
    )
    assert r.status_code == 200
    assert r.json()["event_id"].startswith("srv_")
    (stored,) = _events(app)
    assert stored.event_id == r.json()["event_id"]
    assert stored.ip_prefix in ("testclient", None) or stored.ip_prefix.endswith(("/24", "/48"))
    assert stored.event_data == {}


def test_exposure_with_a_variant_of_another_experiment_is_rejected(
    client: TestClient, app: Any
) -> None:
    live = live_experiment(client, app)
    bad = exposure(live, "v1") | {"variant_id": str(uuid.uuid4())}
    r = send(client, live.key, [bad])
    assert r.json()["rejected"][0]["reason"] == "unknown experiment or variant"


def test_text_that_needs_escaping_is_stored_exactly(client: TestClient, app: Any) -> None:
    # PostgreSQL receives events by COPY, SQLite by parameters: quotes, backslashes, tabs,
    # newlines and non-ASCII must come back as sent, in the event and in its data.
    live = live_experiment(client, app)
    tricky = 'a"b\\c\nd\te\\N ünï 😀 \\\\t'
    data = {"q": tricky, "nested": {"list": [tricky, 1.5, True, None]}, tricky: "key"}
    visitor, session, name = "visitor\\tab\there", "s\\1\nline\rcr", "custom\tevt\\N"
    sent = event(name, visitor, session_id=session, event_data=data)
    r = send(client, live.key, [sent])
    assert r.status_code == 200 and r.json()["accepted"] == 1, r.text
    (stored,) = _events(app)
    assert stored.event_data == data
    assert (stored.visitor_id, stored.session_id, stored.event_name) == (visitor, session, name)
