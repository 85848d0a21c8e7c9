"""Deterministic bucketing: traffic inclusion and weighted variant choice.

The algorithm is specified byte for byte in ``docs/hashing.md`` and pinned by
``spec/hashing.json``; the snippet's TypeScript reimplements it. In short::

    h(seed, salt, id) = fmix32(crc32(utf8(seed + "\\x1f" + salt + "\\x1f" + id)))
    bucket            = floor(h * 10000 / 2**32)            # in [0, 10000)
    included          = bucket(seed, "traffic", id) < traffic_bp
    variant           = first i with bucket(seed, "variant", id) < cumulative_bp[i]

Inclusion and variant choice use different salts, so they are independent: a 50%
traffic experiment still splits its included visitors by the variant weights, and
raising the traffic percentage never excludes a visitor who was included.
"""

from __future__ import annotations

import math
import zlib
from bisect import bisect_right
from dataclasses import dataclass

__all__ = [
    "BUCKETS",
    "INCLUSION_SALT",
    "SEPARATOR",
    "VARIANT_SALT",
    "Allocation",
    "Assignment",
    "CompiledAllocation",
    "assign",
    "bucket",
    "compile_allocation",
    "encode_text",
    "explain",
    "fmix32",
    "hash32",
    "traffic_problem",
    "traffic_to_bp",
    "validate_allocation",
    "weights_problem",
    "weights_to_bp",
]

BUCKETS = 10_000
"""Buckets are basis points: every bucket is an integer in [0, 10000)."""

SEPARATOR = "\x1f"
"""ASCII unit separator between seed, salt and visitor id (never in a salt)."""

INCLUSION_SALT = "traffic"
VARIANT_SALT = "variant"

_MASK32 = 0xFFFF_FFFF
_HASH_SPACE = 1 << 32
_crc32 = zlib.crc32


def encode_text(text: str) -> bytes:
    """UTF-8 bytes of ``text`` exactly as the browser's ``TextEncoder`` produces them.

    A JavaScript string is UTF-16; ``TextEncoder`` joins surrogate pairs and replaces
    each lone surrogate by U+FFFD. Python strings can hold lone surrogates (e.g. from a
    JSON ``"\\ud800"``), so only on that error path do we go through UTF-16 to do the same.
    """
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        return (
            text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace").encode("utf-8")
        )


def fmix32(h: int) -> int:
    """MurmurHash3's 32-bit finalizer: a bijection that breaks CRC-32's linearity."""
    h ^= h >> 16
    h = (h * 0x85EB_CA6B) & _MASK32
    h ^= h >> 13
    h = (h * 0xC2B2_AE35) & _MASK32
    h ^= h >> 16
    return h


def _prefix_crc(seed: str, salt: str) -> int:
    # crc32(a + b) == crc32(b, crc32(a)): the seed and salt are hashed once per experiment.
    return _crc32(encode_text(seed + SEPARATOR + salt + SEPARATOR))


def hash32(seed: str, salt: str, visitor_id: str) -> int:
    """The unsigned 32-bit hash of ``(seed, salt, visitor_id)``."""
    return fmix32(_crc32(encode_text(visitor_id), _prefix_crc(seed, salt)))


def bucket(seed: str, salt: str, visitor_id: str) -> int:
    """The bucket in [0, 10000) of ``visitor_id`` for ``seed`` and ``salt``."""
    # floor(h * 10000 / 2^32): uses the high bits of h, exact in IEEE doubles (< 2^46).
    return (hash32(seed, salt, visitor_id) * BUCKETS) >> 32


def traffic_to_bp(traffic_percent: float) -> int:
    """Traffic percentage (0–100, at most two decimals) as basis points (0–10000)."""
    scaled = traffic_percent * 100
    bp = round(scaled) if math.isfinite(scaled) else -1
    if not 0 <= bp <= BUCKETS or abs(bp - scaled) > 1e-6:
        raise ValueError(
            f"traffic must be a percentage from 0 to 100 with at most two decimals, "
            f"got {traffic_percent!r}"
        )
    return bp


def weights_to_bp(weights: tuple[int, ...]) -> tuple[int, ...]:
    """Variant weights (percent summing to 100, or basis points summing to 10000) in bp."""
    problem = weights_problem(weights)
    if problem is not None:
        raise ValueError(problem)
    total = sum(weights)
    return weights if total == BUCKETS else tuple(w * 100 for w in weights)


def weights_problem(weights: tuple[int, ...]) -> str | None:
    """Why ``weights`` cannot be used, or ``None`` when they are valid."""
    if len(weights) < 2:
        return "an experiment needs at least two variants (the control and one treatment)"
    if any(isinstance(w, bool) or not isinstance(w, int) for w in weights):
        return "variant weights must be whole numbers"
    if any(w < 0 for w in weights):
        return "variant weights cannot be negative"
    total = sum(weights)
    if total not in (100, BUCKETS):
        return (
            f"variant weights must add up to 100 (percent) or 10000 (basis points), "
            f"they add up to {total}"
        )
    return None


@dataclass(frozen=True, slots=True)
class Allocation:
    """Who of an experiment's visitors is included, and how they are split.

    ``weights`` are per variant, control first: integers summing to 100 (percent) or
    10000 (basis points). ``traffic_percent`` is the share of targeted visitors included.
    """

    seed: str
    weights: tuple[int, ...]
    traffic_percent: float = 100


def traffic_problem(traffic_percent: float) -> str | None:
    """Why ``traffic_percent`` cannot be used, or ``None`` when it is valid."""
    if isinstance(traffic_percent, bool) or not isinstance(traffic_percent, int | float):
        return "traffic must be a number from 0 to 100"
    try:
        traffic_to_bp(traffic_percent)
    except ValueError as error:
        return str(error)
    return None


def validate_allocation(allocation: Allocation) -> tuple[str, ...]:
    """Human-readable problems with ``allocation``; empty when it is valid."""
    problems = (weights_problem(allocation.weights), traffic_problem(allocation.traffic_percent))
    return tuple(problem for problem in problems if problem is not None)


@dataclass(frozen=True, slots=True)
class CompiledAllocation:
    """An allocation precomputed so that assigning a visitor costs two CRCs and two mixes.

    Thresholds are in hash space: ``bucket(h) < b`` ⇔ ``h < ceil(b * 2^32 / 10000)``.
    """

    seed: str
    traffic_bp: int
    weights_bp: tuple[int, ...]
    inclusion_prefix: int
    variant_prefix: int
    inclusion_threshold: int
    variant_thresholds: tuple[int, ...]


def _hash_threshold(bp: int) -> int:
    return -(-bp * _HASH_SPACE // BUCKETS)  # ceil(bp * 2^32 / 10000)


def compile_allocation(allocation: Allocation) -> CompiledAllocation:
    """Validate ``allocation`` and precompute it; raises ``ValueError`` when invalid."""
    weights_bp = weights_to_bp(allocation.weights)
    traffic_bp = traffic_to_bp(allocation.traffic_percent)
    cumulative: list[int] = []
    running = 0
    for weight in weights_bp[:-1]:  # the last boundary is 10000: every h is below it
        running += weight
        cumulative.append(_hash_threshold(running))
    return CompiledAllocation(
        seed=allocation.seed,
        traffic_bp=traffic_bp,
        weights_bp=weights_bp,
        inclusion_prefix=_prefix_crc(allocation.seed, INCLUSION_SALT),
        variant_prefix=_prefix_crc(allocation.seed, VARIANT_SALT),
        inclusion_threshold=_hash_threshold(traffic_bp),
        variant_thresholds=tuple(cumulative),
    )


def assign(compiled: CompiledAllocation, visitor_id: str) -> int | None:
    """The variant index of ``visitor_id``, or ``None`` when traffic excludes it."""
    try:
        data = visitor_id.encode()  # UTF-8
    except UnicodeEncodeError:
        data = encode_text(visitor_id)
    if compiled.traffic_bp < BUCKETS:  # at 100% every bucket is below the threshold
        h = _crc32(data, compiled.inclusion_prefix)
        # fmix32, inlined with literal constants: this is the hot path of every assignment
        h ^= h >> 16
        h = (h * 0x85EB_CA6B) & 0xFFFF_FFFF
        h ^= h >> 13
        h = (h * 0xC2B2_AE35) & 0xFFFF_FFFF
        h ^= h >> 16
        if h >= compiled.inclusion_threshold:
            return None
    h = _crc32(data, compiled.variant_prefix)
    h ^= h >> 16
    h = (h * 0x85EB_CA6B) & 0xFFFF_FFFF
    h ^= h >> 13
    h = (h * 0xC2B2_AE35) & 0xFFFF_FFFF
    h ^= h >> 16
    # number of cumulative boundaries at or below h = index of the variant
    return bisect_right(compiled.variant_thresholds, h)


@dataclass(frozen=True, slots=True)
class Assignment:
    """Every intermediate value of one assignment, for test vectors and debugging."""

    inclusion_hash: int
    inclusion_bucket: int
    variant_hash: int
    variant_bucket: int
    included: bool
    variant: int | None


def explain(compiled: CompiledAllocation, visitor_id: str) -> Assignment:
    """Assign ``visitor_id`` the slow, explicit way (same result as :func:`assign`)."""
    inclusion_hash = hash32(compiled.seed, INCLUSION_SALT, visitor_id)
    variant_hash = hash32(compiled.seed, VARIANT_SALT, visitor_id)
    inclusion_bucket = (inclusion_hash * BUCKETS) >> 32
    variant_bucket = (variant_hash * BUCKETS) >> 32
    included = inclusion_bucket < compiled.traffic_bp
    variant: int | None = None
    if included:
        cumulative = 0
        for index, weight in enumerate(compiled.weights_bp):
            cumulative += weight
            if variant_bucket < cumulative:
                variant = index
                break
    return Assignment(
        inclusion_hash=inclusion_hash,
        inclusion_bucket=inclusion_bucket,
        variant_hash=variant_hash,
        variant_bucket=variant_bucket,
        included=included,
        variant=variant,
    )
