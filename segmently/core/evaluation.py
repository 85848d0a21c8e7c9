"""One experiment, one visitor: targeting, then traffic inclusion, then the variant.

This is what the server's ``/assign`` and the snippet both do for every visitor, so it is
compiled once per experiment (:func:`compile_experiment`) and then evaluated with as
little work as possible per visitor (:func:`evaluate`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from segmently.core.assignment import (
    Allocation,
    CompiledAllocation,
    assign,
    compile_allocation,
    traffic_problem,
    weights_problem,
)
from segmently.core.targeting import (
    CompiledTargeting,
    SkipReason,
    Targeting,
    TargetingProblem,
    Visitor,
    compile_targeting,
    validate_targeting,
)

__all__ = [
    "CompiledExperiment",
    "Decision",
    "ExperimentRules",
    "compile_experiment",
    "evaluate",
    "validate_experiment",
]


@dataclass(frozen=True, slots=True)
class ExperimentRules:
    """Everything that decides who sees which variant of one experiment.

    ``weights`` are per variant, control first (percent summing to 100 or basis points
    summing to 10000); ``seed`` is stable for the experiment's life (e.g. its id).
    """

    seed: str
    weights: tuple[int, ...]
    traffic_percent: float = 100
    targeting: Targeting = field(default_factory=Targeting)


@dataclass(frozen=True, slots=True)
class Decision:
    """``variant`` is an index into the weights (0 = control), or None with a reason."""

    variant: int | None
    skipped: SkipReason | None

    @property
    def included(self) -> bool:
        return self.variant is not None


@dataclass(frozen=True, slots=True)
class CompiledExperiment:
    allocation: CompiledAllocation
    targeting: CompiledTargeting
    # Decisions are few and immutable: build them once, hand out the same objects.
    variant_decisions: tuple[Decision, ...]
    skip_decisions: Mapping[SkipReason, Decision]


def validate_experiment(rules: ExperimentRules) -> tuple[TargetingProblem, ...]:
    """Every problem with ``rules`` (field and message); empty when they can be compiled."""
    problems: list[TargetingProblem] = []
    weights = weights_problem(rules.weights)
    if weights is not None:
        problems.append(TargetingProblem("weights", weights))
    traffic = traffic_problem(rules.traffic_percent)
    if traffic is not None:
        problems.append(TargetingProblem("traffic_percent", traffic))
    problems.extend(validate_targeting(rules.targeting))
    return tuple(problems)


def compile_experiment(rules: ExperimentRules) -> CompiledExperiment:
    """Precompute ``rules``; raises ``ValueError`` only for invalid weights or traffic."""
    allocation = compile_allocation(Allocation(rules.seed, rules.weights, rules.traffic_percent))
    return CompiledExperiment(
        allocation=allocation,
        targeting=compile_targeting(rules.targeting),
        variant_decisions=tuple(Decision(i, None) for i in range(len(allocation.weights_bp))),
        skip_decisions=MappingProxyType({reason: Decision(None, reason) for reason in SkipReason}),
    )


_TRAFFIC = SkipReason.TRAFFIC


def evaluate(compiled: CompiledExperiment, visitor: Visitor) -> Decision:
    """Targeting (URL → device → country → attributes), then traffic, then the variant.

    Never raises for a visitor whose fields have the wrong types: the check concerned fails.
    """
    # check_targeting, inlined: this runs for every visitor of every experiment
    for reason, matches in compiled.targeting.checks:
        try:
            if not matches(visitor):
                return compiled.skip_decisions[reason]
        except (TypeError, AttributeError, ValueError):
            return compiled.skip_decisions[reason]
    try:
        variant = assign(compiled.allocation, visitor.id)
    except AttributeError:  # an id that is not text is never assigned
        return compiled.skip_decisions[_TRAFFIC]
    if variant is None:
        return compiled.skip_decisions[_TRAFFIC]
    return compiled.variant_decisions[variant]
