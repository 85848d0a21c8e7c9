"""Who an experiment is shown to: URL rules, device, country and visitor attributes.

Checks run in the order of the spec's "How Targeting Works": URL → device → country →
attributes; the traffic percentage comes after, in :mod:`segmently.core.evaluation`.
Every function here is total: evaluating targeting never raises, whatever the visitor.
The exact semantics are pinned by ``spec/targeting.json``, which the snippet replays.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType
from typing import cast

from segmently.core.countries import country_problem, normalize_country
from segmently.core.regex_subset import (
    MAX_PATTERN_LENGTH,
    compile_regex,
    regex_search,
    validate_regex,
)

__all__ = [
    "MAX_URL_RULES",
    "AttributeCondition",
    "CompiledTargeting",
    "ConditionValue",
    "Device",
    "Operator",
    "Scalar",
    "SkipReason",
    "Targeting",
    "TargetingProblem",
    "UrlMatch",
    "UrlRule",
    "Visitor",
    "check_targeting",
    "compile_targeting",
    "condition_holds",
    "device_for_width",
    "parse_targeting",
    "url_matches",
    "validate_targeting",
]

MAX_URL_RULES = 50
MAX_CONDITIONS = 50
DESKTOP_MIN_WIDTH = 1024
TABLET_MIN_WIDTH = 768

Scalar = str | int | float | bool | None
ConditionValue = Scalar | tuple[str | int | float | bool, ...]


class Device(StrEnum):
    DESKTOP = "desktop"
    TABLET = "tablet"
    MOBILE = "mobile"


def device_for_width(width: int) -> Device:
    """Desktop at ≥ 1024 px, tablet at 768–1023 px, mobile below 768 px."""
    if width >= DESKTOP_MIN_WIDTH:
        return Device.DESKTOP
    if width >= TABLET_MIN_WIDTH:
        return Device.TABLET
    return Device.MOBILE


class UrlMatch(StrEnum):
    EXACT = "exact"
    CONTAINS = "contains"
    STARTS_WITH = "starts_with"
    ENDS_WITH = "ends_with"
    REGEX = "regex"


class Operator(StrEnum):
    EQUALS = "equals"
    NOT_EQUALS = "not_equals"
    IN = "in"
    CONTAINS = "contains"
    GREATER = "greater"
    LESS = "less"
    EXISTS = "exists"


class SkipReason(StrEnum):
    """Why a visitor is not in an experiment, named after the check that failed."""

    URL = "url"
    DEVICE = "device"
    COUNTRY = "country"
    ATTRIBUTES = "attributes"
    TRAFFIC = "traffic"


@dataclass(frozen=True, slots=True)
class UrlRule:
    match: UrlMatch
    value: str


@dataclass(frozen=True, slots=True)
class AttributeCondition:
    """``attributes[attribute] <operator> value``.

    ``in`` takes a tuple; ``greater``/``less`` a number; ``exists`` ``True`` (present, the
    default) or ``False`` (absent); ``contains`` a substring, or an element of a list.
    """

    attribute: str
    operator: Operator
    value: ConditionValue = None


@dataclass(frozen=True, slots=True)
class Targeting:
    """Empty URL rules = every page; empty devices = all devices; empty countries = all."""

    url_rules: tuple[UrlRule, ...] = ()
    devices: tuple[Device, ...] = ()
    countries: tuple[str, ...] = ()
    conditions: tuple[AttributeCondition, ...] = ()


def _frozen_value(value: object) -> ConditionValue:
    if isinstance(value, list | tuple):
        return tuple(v for v in value if isinstance(v, str | int | float | bool))
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return None


def parse_targeting(data: object) -> Targeting:
    """A :class:`Targeting` from the JSON shape of the compiled config (and spec/targeting.json).

    ``{"url_rules": [{"type", "value"}], "device": "all" | "desktop" | "tablet" | "mobile",
    "countries": ["US"], "attributes": [{"name", "op", "value"}]}``; every key is optional.
    Lenient: unknown types and operators are kept as text, so validation reports them and
    evaluation treats them as never matching.
    """
    if not isinstance(data, Mapping):
        return Targeting()
    url_rules: list[UrlRule] = []
    for rule in _entries(data.get("url_rules")):
        kind = rule.get("type")
        match = UrlMatch(kind) if kind in _URL_MATCHES else cast(UrlMatch, str(kind))
        value = rule.get("value")
        url_rules.append(UrlRule(match, value if isinstance(value, str) else ""))
    device = data.get("device")
    devices = (Device(device),) if isinstance(device, str) and device in _DEVICES else ()
    countries = data.get("countries")
    conditions: list[AttributeCondition] = []
    for condition in _entries(data.get("attributes")):
        op = condition.get("op")
        operator = Operator(op) if op in _OPERATORS else cast(Operator, str(op))
        name = condition.get("name")
        conditions.append(
            AttributeCondition(
                name if isinstance(name, str) else "",
                operator,
                _frozen_value(condition.get("value")),
            )
        )
    return Targeting(
        url_rules=tuple(url_rules),
        devices=devices,
        countries=tuple(c for c in countries if isinstance(c, str))
        if isinstance(countries, list | tuple)
        else (),
        conditions=tuple(conditions),
    )


def _entries(value: object) -> list[Mapping[str, object]]:
    if not isinstance(value, list | tuple):
        return []
    return [entry for entry in value if isinstance(entry, Mapping)]


_URL_MATCHES = frozenset(m.value for m in UrlMatch)
_DEVICES = frozenset(d.value for d in Device)
_OPERATORS = frozenset(o.value for o in Operator)


_NO_ATTRIBUTES: Mapping[str, object] = MappingProxyType({})


def _no_attributes() -> Mapping[str, object]:
    return _NO_ATTRIBUTES


@dataclass(frozen=True, slots=True)
class Visitor:
    """What is known about one visitor on one page.

    ``device`` wins over ``screen_width`` when both are given; an unknown device or country
    never filters a visitor out. ``attributes`` are those set with ``setAttributes``.
    """

    id: str
    url: str = ""
    screen_width: int | None = None
    country: str | None = None
    attributes: Mapping[str, object] = field(default_factory=_no_attributes)
    device: Device | None = None


@dataclass(frozen=True, slots=True)
class TargetingProblem:
    field: str
    message: str


def validate_targeting(targeting: Targeting) -> tuple[TargetingProblem, ...]:
    """Everything wrong with ``targeting``, each with the field and a message; empty if valid."""
    problems: list[TargetingProblem] = []
    if len(targeting.url_rules) > MAX_URL_RULES:
        problems.append(TargetingProblem("url_rules", f"at most {MAX_URL_RULES} URL rules"))
    for index, rule in enumerate(targeting.url_rules):
        where = f"url_rules[{index}]"
        if rule.match not in UrlMatch.__members__.values():
            problems.append(TargetingProblem(where, f"unknown URL match type {rule.match!r}"))
        elif not isinstance(rule.value, str) or rule.value.strip() == "":
            problems.append(TargetingProblem(where, "the URL rule is empty"))
        elif rule.match == UrlMatch.REGEX:
            message = validate_regex(rule.value)
            if message is not None:
                problems.append(TargetingProblem(where, message))
        elif len(rule.value) > 2 * MAX_PATTERN_LENGTH:
            problems.append(TargetingProblem(where, "the URL rule is too long"))
    for device in targeting.devices:
        if device not in Device.__members__.values():
            problems.append(TargetingProblem("devices", f"unknown device {device!r}"))
    for code in targeting.countries:
        message = country_problem(code)
        if message is not None:
            problems.append(TargetingProblem("countries", message))
    if len(targeting.conditions) > MAX_CONDITIONS:
        problems.append(TargetingProblem("conditions", f"at most {MAX_CONDITIONS} conditions"))
    for index, condition in enumerate(targeting.conditions):
        message = _condition_problem(condition)
        if message is not None:
            problems.append(TargetingProblem(f"conditions[{index}]", message))
    return tuple(problems)


def _is_number(value: object) -> bool:
    """A finite JSON number (bool is an int in Python but not a number in JavaScript)."""
    if isinstance(value, float):
        return math.isfinite(value)
    return isinstance(value, int) and not isinstance(value, bool)


def _is_scalar(value: object) -> bool:
    return isinstance(value, str | bool) or _is_number(value)


def _condition_problem(condition: AttributeCondition) -> str | None:
    if not isinstance(condition.attribute, str) or condition.attribute.strip() == "":
        return "the attribute name is empty"
    operator = condition.operator
    value = condition.value
    if operator not in Operator.__members__.values():
        return f"unknown operator {operator!r}"
    if operator in (Operator.EQUALS, Operator.NOT_EQUALS, Operator.CONTAINS):
        if not _is_scalar(value):
            return f"'{operator}' needs a text, number or true/false value"
    elif operator == Operator.IN:
        if not isinstance(value, tuple) or not value or not all(_is_scalar(v) for v in value):
            return "'in' needs a non-empty list of texts, numbers or true/false values"
    elif operator in (Operator.GREATER, Operator.LESS):
        if not _is_number(value):
            return f"'{operator}' needs a number"
    elif operator == Operator.EXISTS and value not in (None, True, False):
        return "'exists' takes true (the attribute is set) or false (it is not)"
    return None


# -- URL rules ------------------------------------------------------------------------

UrlPredicate = Callable[[str], bool]
VisitorPredicate = Callable[["Visitor"], bool]


def _without_fragment(url: str) -> str:
    cut = url.find("#")
    return url if cut < 0 else url[:cut]


def _page(url: str) -> str:
    """The URL without fragment and query, and without one trailing '/'."""
    url = _without_fragment(url)
    cut = url.find("?")
    if cut >= 0:
        url = url[:cut]
    return url[:-1] if len(url) > 1 and url.endswith("/") else url


def _never(_: str) -> bool:
    return False


def _url_predicate(rule: UrlRule) -> UrlPredicate:
    """A predicate for one rule. Semantics (pinned by spec/targeting.json):

    * exact: equal to the URL without its ``#fragment``; or, when the value has no ``?``,
      equal to the URL without fragment and query, ignoring one trailing ``/`` on both;
    * contains / starts_with: on the full URL;
    * ends_with: the URL without fragment ends with the value, or the URL without fragment
      and query (one trailing ``/`` ignored on both) does;
    * regex: ``new RegExp(value).test(url)`` within the subset of regex_subset.py.
    """
    value = rule.value if isinstance(rule.value, str) else ""
    match = rule.match
    if match == UrlMatch.CONTAINS:
        return lambda url: value in url
    if match == UrlMatch.STARTS_WITH:
        return lambda url: url.startswith(value)
    if match == UrlMatch.EXACT:
        full = _without_fragment(value)
        if "?" in full:
            return lambda url: _without_fragment(url) == full
        page = _page(full)
        return lambda url: _without_fragment(url) == full or _page(url) == page
    if match == UrlMatch.ENDS_WITH:
        trimmed = value[:-1] if len(value) > 1 and value.endswith("/") else value
        return lambda url: _without_fragment(url).endswith(value) or _page(url).endswith(trimmed)
    if match == UrlMatch.REGEX:
        regex = compile_regex(value)
        if regex.compiled is None:
            return _never
        return lambda url: regex_search(regex, url)
    return _never


def url_matches(rule: UrlRule, url: str) -> bool:
    """Whether one URL rule matches ``url``; never raises."""
    try:
        return _url_predicate(rule)(url)
    except (TypeError, AttributeError):
        return False


# -- attribute conditions --------------------------------------------------------------

_MISSING = object()


def _same(attribute: object, expected: object) -> bool:
    """JSON-typed equality: numbers with numbers, text with text, booleans with booleans."""
    if isinstance(attribute, bool) or isinstance(expected, bool):
        return isinstance(attribute, bool) and isinstance(expected, bool) and attribute is expected
    if isinstance(attribute, str):
        return isinstance(expected, str) and attribute == expected
    if _is_number(attribute):
        return _is_number(expected) and attribute == expected
    return False


def _in(actual: object, options: tuple[object, ...]) -> bool:
    if isinstance(actual, list | tuple):  # a list attribute: any of its elements
        return any(_same(item, option) for item in actual for option in options)
    return any(_same(actual, option) for option in options)


def _contains(actual: object, expected: object) -> bool:
    if isinstance(actual, str):
        return isinstance(expected, str) and expected in actual
    if isinstance(actual, list | tuple):
        return any(_same(item, expected) for item in actual)
    return False


def _greater(actual: object, expected: float) -> bool:
    return _is_number(actual) and actual > expected  # type: ignore[operator]


def _less(actual: object, expected: float) -> bool:
    return _is_number(actual) and actual < expected  # type: ignore[operator]


AttributesPredicate = Callable[[Mapping[str, object]], bool]


def _condition_predicate(condition: AttributeCondition) -> AttributesPredicate:
    """``attributes -> bool`` for one condition; a missing attribute is ``None``."""
    name = condition.attribute
    expected = condition.value
    operator = condition.operator
    if _condition_problem(condition) is not None:
        return lambda attributes: False
    if operator == Operator.EQUALS:
        if isinstance(expected, str):  # the common case, kept cheap
            return lambda attributes: (
                type(value := attributes.get(name)) is str and value == expected
            )
        return lambda attributes: _same(attributes.get(name), expected)
    if operator == Operator.NOT_EQUALS:
        return lambda attributes: not _same(attributes.get(name), expected)
    if operator == Operator.IN:
        options: tuple[object, ...] = expected if isinstance(expected, tuple) else ()
        return lambda attributes: _in(attributes.get(name), options)
    if operator == Operator.CONTAINS:
        return lambda attributes: _contains(attributes.get(name), expected)
    if operator == Operator.GREATER and _is_number(expected):
        bound = float(expected)  # type: ignore[arg-type]
        return lambda attributes: _greater(attributes.get(name), bound)
    if operator == Operator.LESS and _is_number(expected):
        bound = float(expected)  # type: ignore[arg-type]
        return lambda attributes: _less(attributes.get(name), bound)
    if operator == Operator.EXISTS:
        wanted = expected is not False
        return lambda attributes: (attributes.get(name) is not None) is wanted
    return lambda attributes: False


def condition_holds(condition: AttributeCondition, attributes: Mapping[str, object]) -> bool:
    """Whether ``condition`` holds for ``attributes``; never raises."""
    try:
        return _condition_predicate(condition)(attributes)
    except (TypeError, AttributeError, ValueError):
        return False


# -- compiled targeting ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CompiledTargeting:
    """Targeting precomputed into one predicate per configured check, in the spec's order."""

    checks: tuple[tuple[SkipReason, VisitorPredicate], ...]


def _url_check(rules: tuple[UrlRule, ...]) -> VisitorPredicate:
    if len(rules) == 1 and isinstance(rules[0].value, str):
        # the common single prefix/substring rule, without a second call per visitor
        value = rules[0].value
        if rules[0].match == UrlMatch.STARTS_WITH:
            return lambda visitor: visitor.url.startswith(value)
        if rules[0].match == UrlMatch.CONTAINS:
            return lambda visitor: value in visitor.url
    predicates = tuple(_url_predicate(rule) for rule in rules)
    if len(predicates) == 1:
        only = predicates[0]
        return lambda visitor: only(visitor.url)

    def any_rule(visitor: Visitor) -> bool:
        url = visitor.url
        return any(predicate(url) for predicate in predicates)

    return any_rule


def _device_check(devices: tuple[Device, ...]) -> VisitorPredicate:
    allowed = frozenset(str(device) for device in devices)

    def device_matches(visitor: Visitor) -> bool:
        device: str | None = visitor.device
        if device is None:
            width = visitor.screen_width
            if width is None or width != width:  # unknown (or NaN): never filtered out
                return True
            # desktop ≥ 1024 px, tablet 768–1023 px, mobile < 768 px
            device = "desktop" if width >= 1024 else "tablet" if width >= 768 else "mobile"
        return device in allowed

    return device_matches


def _country_check(countries: tuple[str, ...]) -> VisitorPredicate:
    allowed = frozenset(c.strip().upper() for c in countries if isinstance(c, str))

    def country_matches(visitor: Visitor) -> bool:
        country = visitor.country
        if country is None or country in allowed:
            return True
        normalized = normalize_country(country)  # lower case, blanks, "XX" (unknown), ...
        return normalized is None or normalized in allowed

    return country_matches


def _conditions_check(conditions: tuple[AttributeCondition, ...]) -> VisitorPredicate:
    predicates = tuple(_condition_predicate(condition) for condition in conditions)
    if len(predicates) == 1:
        only = predicates[0]
        return lambda visitor: only(visitor.attributes)

    def all_conditions(visitor: Visitor) -> bool:
        attributes = visitor.attributes
        for predicate in predicates:  # noqa: SIM110 - all(<generator>) is slower on this hot path
            if not predicate(attributes):
                return False
        return True

    return all_conditions


def compile_targeting(targeting: Targeting) -> CompiledTargeting:
    """Precompute ``targeting``. Never raises: an invalid rule or condition never matches."""
    checks: list[tuple[SkipReason, VisitorPredicate]] = []
    if targeting.url_rules:
        checks.append((SkipReason.URL, _url_check(targeting.url_rules)))
    if targeting.devices:
        checks.append((SkipReason.DEVICE, _device_check(targeting.devices)))
    if targeting.countries:
        checks.append((SkipReason.COUNTRY, _country_check(targeting.countries)))
    if targeting.conditions:
        checks.append((SkipReason.ATTRIBUTES, _conditions_check(targeting.conditions)))
    return CompiledTargeting(tuple(checks))


def check_targeting(compiled: CompiledTargeting, visitor: Visitor) -> SkipReason | None:
    """The first failed check for ``visitor`` (URL → device → country → attributes), or None.

    Never raises: a visitor whose fields have the wrong types fails the check concerned.
    """
    for reason, matches in compiled.checks:
        try:
            if not matches(visitor):
                return reason
        except (TypeError, AttributeError, ValueError):
            return reason
    return None
