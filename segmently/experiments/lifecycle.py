"""The experiment state machine (spec: "Experiment Lifecycle Management")."""

from __future__ import annotations

from segmently.errors import Conflict

# action -> (states it may start from, state it leads to)
TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "start": (frozenset({"draft"}), "live"),
    "pause": (frozenset({"live"}), "paused"),
    "resume": (frozenset({"paused"}), "live"),
    "archive": (frozenset({"draft", "live", "paused"}), "archived"),
    "reinstate": (frozenset({"archived"}), "draft"),
}
EDITABLE = frozenset({"draft", "paused"})


def allowed_actions(status: str) -> list[str]:
    return [action for action, (sources, _) in TRANSITIONS.items() if status in sources]


def target_of(status: str, action: str) -> str:
    """The state ``action`` leads to from ``status``; a 409 that lists what is allowed otherwise."""
    sources, target = TRANSITIONS[action]
    if status not in sources:
        allowed = allowed_actions(status)
        raise Conflict(
            f"Cannot {action} an experiment that is {status}. "
            f"Allowed: {', '.join(allowed) if allowed else 'none'}.",
            field="status",
            code="invalid_transition",
        )
    return target


def action_for_status(current: str, wanted: str) -> str:
    """The action that moves ``current`` to ``wanted`` (the management API sets a status)."""
    if wanted == "live":
        return "resume" if current == "paused" else "start"
    if wanted == "paused":
        return "pause"
    if wanted == "archived":
        return "archive"
    return "reinstate"  # draft


def check_editable(status: str) -> None:
    if status not in EDITABLE:
        raise Conflict(
            f"A {status} experiment cannot be edited; pause it first (editing is allowed in draft "
            "and paused).",
            code="not_editable",
        )
