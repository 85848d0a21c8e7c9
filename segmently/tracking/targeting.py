"""The stored experiment (JSON columns) and ``/assign``'s ``targeting_data`` as the pure
inputs of ``segmently.core.evaluation`` — the same decision the snippet makes in the browser."""

from __future__ import annotations

from typing import Any

from segmently.core.evaluation import CompiledExperiment, ExperimentRules, compile_experiment
from segmently.core.targeting import Device, Targeting, Visitor, parse_targeting

_DEVICES = {d.value: d for d in Device}


def targeting_of(stored: dict[str, Any]) -> Targeting:
    """The stored JSON is the compiled config's shape, which ``core`` parses itself."""
    return parse_targeting(stored)


def compile_stored(
    seed: str, weights: tuple[int, ...], traffic: int, stored_targeting: dict[str, Any]
) -> CompiledExperiment | None:
    """``None`` when the stored rules cannot be compiled (then nobody is assigned)."""
    try:
        return compile_experiment(
            ExperimentRules(
                seed=seed,
                weights=weights,
                traffic_percent=traffic,
                targeting=targeting_of(stored_targeting),
            )
        )
    except (ValueError, KeyError, TypeError):
        return None


def visitor_of(visitor_id: str, context: dict[str, Any]) -> Visitor:
    attributes = context.get("attributes")
    device = context.get("device")
    country = context.get("country")
    return Visitor(
        id=visitor_id,
        url=context.get("url") or "",
        country=country if isinstance(country, str) else None,
        attributes=attributes if isinstance(attributes, dict) else {},
        device=_DEVICES.get(device) if isinstance(device, str) else None,
    )
