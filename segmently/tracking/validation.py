"""Decoding request bodies and checking events one by one (docs/events.md).

A request that cannot be read at all is refused whole (:class:`BadRequest`); inside a readable
batch each event is accepted or rejected on its own with ``{index, event_id, field, reason}``.
Everything that PostgreSQL or SQLite could refuse later (NUL, lone surrogates, NaN, huge
numbers, over-deep nesting) is refused here, so both databases behave the same and a write
never fails on user data.
"""

from __future__ import annotations

import json
import math
import re
import secrets
import uuid
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any

import orjson

MAX_BODY_BYTES = 500 * 1024
MAX_INFLATED_BYTES = 5 * MAX_BODY_BYTES
MAX_EVENTS = 500
MAX_EVENT_BYTES = 32 * 1024
MAX_DEPTH = 8
MAX_SAFE_INT = 2**53 - 1  # JavaScript's Number.MAX_SAFE_INTEGER: what the snippet can send
MAX_FLOAT = 1e15
MAX_REVENUE = 1e12
MAX_DURATION_MS = 7 * 24 * 3600 * 1000
FUTURE_SLACK = timedelta(hours=1)
DEVICE_TYPES = frozenset({"desktop", "tablet", "mobile"})
EVENT_ID_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class BadRequest(Exception):
    """The whole request is refused; nothing is stored."""

    def __init__(self, status: int, code: str, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.field = field


class _Bad:
    """A JSON number we will not store; it travels through decoding and is reported per event."""

    __slots__ = ("reason",)

    def __init__(self, reason: str) -> None:
        self.reason = reason


_NOT_FINITE = _Bad("numbers must be finite (no NaN or Infinity)")
_OUT_OF_RANGE = _Bad("number out of range")


def _parse_int(text: str) -> int | _Bad:
    if len(text) > 17:  # also keeps CPython's 4300-digit int guard out of the way
        return _OUT_OF_RANGE
    value = int(text)
    return value if -MAX_SAFE_INT <= value <= MAX_SAFE_INT else _OUT_OF_RANGE


def _parse_float(text: str) -> float | _Bad:
    value = float(text)
    if not math.isfinite(value):
        return _OUT_OF_RANGE
    return value if abs(value) <= MAX_FLOAT else _OUT_OF_RANGE


def _parse_constant(_: str) -> _Bad:
    return _NOT_FINITE


_decoder = json.JSONDecoder(
    parse_int=_parse_int, parse_float=_parse_float, parse_constant=_parse_constant
)


# --------------------------------------------------------------------------- whole request


def check_content_type(content_type: str | None) -> None:
    """JSON, or ``text/plain`` holding JSON (``navigator.sendBeacon`` cannot set a JSON type)."""
    if not content_type:
        return
    media = content_type.split(";", 1)[0].strip().lower()
    if media in ("application/json", "text/plain") or (
        media.startswith("application/") and media.endswith("+json")
    ):
        return
    raise BadRequest(
        415,
        "unsupported_media_type",
        "Send JSON as application/json (or text/plain holding JSON).",
    )


def inflate(body: bytes, content_encoding: str | None) -> bytes:
    """The body after ``Content-Encoding`` (identity or gzip), at most 5× the body limit."""
    encoding = (content_encoding or "identity").strip().lower()
    if encoding in ("", "identity"):
        return body
    if encoding not in ("gzip", "x-gzip"):
        raise BadRequest(415, "unsupported_encoding", "Content-Encoding must be gzip or identity.")
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        out = inflater.decompress(body, MAX_INFLATED_BYTES + 1)
    except zlib.error:
        raise BadRequest(400, "invalid_gzip", "The gzip body could not be decompressed.") from None
    if len(out) > MAX_INFLATED_BYTES:
        raise BadRequest(
            413,
            "payload_too_large",
            f"The decompressed body is over {MAX_INFLATED_BYTES // 1024} KB.",
        )
    if not inflater.eof:
        raise BadRequest(400, "invalid_gzip", "The gzip body is truncated.")
    return out


def decode_json(raw: bytes) -> dict[str, Any]:
    """The JSON object of a request body, or :class:`BadRequest` (400).

    orjson reads ordinary bodies; whatever it refuses (a BOM, NaN, lone surrogates, numbers
    beyond a double, deep nesting) is read again by the careful decoder, which turns values
    we do not store into per-event rejections instead of refusing the whole batch."""
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError:
        value = _decode_carefully(raw)
    if not isinstance(value, dict):
        raise BadRequest(400, "invalid_json", "The request body must be a JSON object.")
    return value


def _decode_carefully(raw: bytes) -> Any:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise BadRequest(400, "invalid_json", "The request body is not UTF-8.") from None
    try:
        return _decoder.decode(text)
    except RecursionError:
        raise BadRequest(400, "invalid_json", "The JSON is nested too deeply.") from None
    except ValueError as exc:
        raise BadRequest(
            400, "invalid_json", f"The request body is not valid JSON: {exc}"
        ) from None


def batch_events(body: dict[str, Any]) -> list[Any]:
    events = body.get("events")
    if not isinstance(events, list):
        raise BadRequest(400, "invalid_batch", "`events` must be a list of events.", "events")
    if len(events) > MAX_EVENTS:
        raise BadRequest(
            400,
            "too_many_events",
            f"A batch holds at most {MAX_EVENTS} events (got {len(events)}); split it.",
            "events",
        )
    return events


# --------------------------------------------------------------------------- one event


@dataclass(slots=True)
class CleanEvent:
    index: int
    event_id: str
    event_name: str
    visitor_id: str
    session_id: str | None
    experiment_id: uuid.UUID | None
    variant_id: uuid.UUID | None
    device_type: str | None
    data: dict[str, Any]
    occurred_at: datetime
    server_id: bool  # the server made up the event_id (the client sent none)


@dataclass(frozen=True, slots=True)
class Rejection:
    index: int
    event_id: str | None
    field: str | None
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "event_id": self.event_id,
            "field": self.field,
            "reason": self.reason,
        }


class _Reject(Exception):
    def __init__(self, field: str | None, reason: str) -> None:
        self.field = field
        self.reason = reason


def _text_problem(value: str) -> str | None:
    if "\x00" in value:
        return "text must not contain NUL characters"
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return "text must not contain lone surrogates"
    return None


def _walk(value: Any, path: str, depth: int, careful: bool) -> None:
    """Refuse the first value of ``event_data`` we would not store: a number beyond what the
    snippet can send, NUL (and, when ``careful``, lone surrogates), nesting over the limit."""
    if isinstance(value, str):
        problem = _text_problem(value) if careful else None
        if problem or "\x00" in value:
            raise _Reject(path, problem or "text must not contain NUL characters")
    elif isinstance(value, dict):
        if depth >= MAX_DEPTH:
            raise _Reject(path, f"event_data is nested deeper than {MAX_DEPTH} levels")
        for key, item in value.items():
            problem = _text_problem(key) if careful or "\x00" in key else None
            if problem:
                raise _Reject(path, f"a key: {problem}")
            _walk(item, f"{path}.{key}", depth + 1, careful)
    elif isinstance(value, list):
        if depth >= MAX_DEPTH:
            raise _Reject(path, f"event_data is nested deeper than {MAX_DEPTH} levels")
        for i, item in enumerate(value):
            _walk(item, f"{path}.{i}", depth + 1, careful)
    elif isinstance(value, float):
        if not -MAX_FLOAT <= value <= MAX_FLOAT:  # also false for NaN
            raise _Reject(path, _OUT_OF_RANGE.reason)
    elif isinstance(value, int):
        if not -MAX_SAFE_INT <= value <= MAX_SAFE_INT:
            raise _Reject(path, _OUT_OF_RANGE.reason)
    elif isinstance(value, _Bad):
        raise _Reject(path, value.reason)


def _string(raw: dict[str, Any], name: str, *, max_len: int, required: bool = False) -> str | None:
    value = raw.get(name)
    if value is None:
        if required:
            raise _Reject(name, f"{name} is required")
        return None
    if isinstance(value, _Bad):
        raise _Reject(name, value.reason)
    if not isinstance(value, str):
        raise _Reject(name, f"{name} must be a string")
    if not value.strip():
        if required:
            raise _Reject(name, f"{name} is required")
        return None
    if len(value) > max_len:
        raise _Reject(name, f"{name} is longer than {max_len} characters")
    problem = _text_problem(value)
    if problem or _CONTROL.search(value):
        raise _Reject(name, problem or "text must not contain control characters")
    return value


def _uuid(raw: dict[str, Any], name: str) -> uuid.UUID | None:
    value = raw.get(name)
    if value is None or value == "":
        return None
    if not isinstance(value, str) or len(value) > 64:
        raise _Reject(name, "unknown experiment or variant")
    try:
        return _parse_uuid(value)
    except ValueError:
        raise _Reject(name, "unknown experiment or variant") from None


@lru_cache(maxsize=1024)  # a site's events name a handful of experiments and variants
def _parse_uuid(value: str) -> uuid.UUID:
    return uuid.UUID(value)


def parse_timestamp(value: Any, now: datetime) -> datetime:
    if value is None or value == "":
        return now
    if isinstance(value, bool | _Bad):
        raise _Reject("timestamp", "timestamp must be ISO 8601 or epoch milliseconds")
    if isinstance(value, int | float):
        if not 0 <= value <= 10**14:
            raise _Reject("timestamp", "timestamp out of range")
        return datetime.fromtimestamp(value / 1000, UTC)
    if isinstance(value, str) and len(value) <= 40:
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
        except ValueError:
            pass
        else:
            if parsed.tzinfo is None:
                parsed = parsed.replace(tzinfo=UTC)
            return parsed.astimezone(UTC)
    raise _Reject("timestamp", "timestamp must be ISO 8601 or epoch milliseconds")


def new_event_id() -> str:
    return "srv_" + secrets.token_urlsafe(24)


def check_event(
    index: int,
    raw: Any,
    *,
    now: datetime,
    oldest: datetime,
    catalog: Any,
) -> CleanEvent | Rejection:
    """One event of a batch, checked against the project's catalog (experiments and goals)."""
    event_id: str | None = None
    try:
        if not isinstance(raw, dict):
            raise _Reject(None, "an event must be a JSON object")
        raw_id = raw.get("event_id")
        if raw_id is not None:
            if not isinstance(raw_id, str) or not EVENT_ID_RE.match(raw_id):
                raise _Reject("event_id", "event_id must be 1–64 characters of A–Z a–z 0–9 _ -")
            event_id = raw_id
        try:
            size = len(orjson.dumps(raw))
            careful = False
        except TypeError:  # lone surrogates or a refused number: orjson will not write them
            text = json.dumps(raw, ensure_ascii=False, separators=(",", ":"), default=repr)
            size = len(text.encode("utf-8", "surrogatepass"))
            careful = True
        if size > MAX_EVENT_BYTES:
            raise _Reject(None, f"event is over {MAX_EVENT_BYTES // 1024} KB")
        name = _string(raw, "event_name", max_len=100, required=True)
        visitor = _string(raw, "visitor_id", max_len=128, required=True)
        session = _string(raw, "session_id", max_len=128)
        device = raw.get("device_type")
        if device is not None and (not isinstance(device, str) or device not in DEVICE_TYPES):
            raise _Reject("device_type", "device_type must be desktop, tablet or mobile")
        data = raw.get("event_data")
        if data is None:
            data = {}
        elif not isinstance(data, dict):
            raise _Reject("event_data", "event_data must be a JSON object")
        _walk(data, "event_data", 0, careful)
        occurred = parse_timestamp(raw.get("timestamp"), now)
        if occurred > now + FUTURE_SLACK:
            raise _Reject("timestamp", "timestamp is more than 1 hour in the future")
        if occurred < oldest:
            raise _Reject("timestamp", "timestamp is before the project's retention window")
        experiment_id = _uuid(raw, "experiment_id")
        variant_id = _uuid(raw, "variant_id")
        _check_experiment(catalog, experiment_id, variant_id)
        assert name is not None and visitor is not None
        _check_data(name, data, catalog, experiment_id)
    except _Reject as rej:
        return Rejection(index, event_id, rej.field, rej.reason)
    return CleanEvent(
        index=index,
        event_id=event_id or new_event_id(),
        event_name=name,
        visitor_id=visitor,
        session_id=session,
        experiment_id=experiment_id,
        variant_id=variant_id,
        device_type=device,
        data=data,
        occurred_at=occurred,
        server_id=event_id is None,
    )


def _check_experiment(
    catalog: Any, experiment_id: uuid.UUID | None, variant_id: uuid.UUID | None
) -> None:
    if experiment_id is None:
        if variant_id is not None:
            raise _Reject("variant_id", "unknown experiment or variant")
        return
    experiment = catalog.experiments.get(experiment_id)
    if experiment is None:
        raise _Reject("experiment_id", "unknown experiment or variant")
    if variant_id is not None and variant_id not in experiment.variant_ids:
        raise _Reject("variant_id", "unknown experiment or variant")


def _check_data(
    name: str, data: dict[str, Any], catalog: Any, experiment_id: uuid.UUID | None
) -> None:
    if "value" in data and name != "page_exit":
        value = data["value"]
        if value is not None and (
            isinstance(value, bool) or not isinstance(value, int | float) or value < 0
        ):
            raise _Reject("event_data.value", "value must be a number ≥ 0")
        if value is not None and value > MAX_REVENUE:
            raise _Reject("event_data.value", "value out of range")
    if name == "conversion" and data.get("goal_id") not in (None, ""):
        raw_goal = data["goal_id"]
        try:
            goal_id = uuid.UUID(raw_goal) if isinstance(raw_goal, str) else None
        except ValueError:
            goal_id = None
        goal = catalog.goals.get(goal_id) if goal_id else None
        if goal is None or (experiment_id is not None and goal.experiment_id != experiment_id):
            raise _Reject("event_data.goal_id", "unknown goal")
    elif name == "page_exit":
        duration = data.get("duration_ms")
        if duration is not None and (
            isinstance(duration, bool)
            or not isinstance(duration, int | float)
            or not 0 <= duration <= MAX_DURATION_MS
        ):
            raise _Reject(
                "event_data.duration_ms", "duration_ms must be a number of milliseconds ≥ 0"
            )
        interacted = data.get("interacted")
        if interacted is not None and not isinstance(interacted, bool):
            raise _Reject("event_data.interacted", "interacted must be true or false")
    url = data.get("url")
    if url is not None and (not isinstance(url, str) or len(url) > 4096):
        raise _Reject("event_data.url", "url must be a string of at most 4096 characters")
