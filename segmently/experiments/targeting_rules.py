"""Save-time checks of URL rules and countries, delegated to ``segmently.core``."""

from __future__ import annotations

from segmently.core.countries import country_problem
from segmently.core.regex_subset import validate_regex
from segmently.errors import InvalidInput


def check_url_rule(kind: str, value: str, field: str) -> str:
    text = (value or "").strip()
    if not text:
        raise InvalidInput("A URL rule needs a value.", field=field)
    if len(text) > 2048 or "\x00" in text:
        raise InvalidInput("URL rules are limited to 2048 characters.", field=field)
    if kind == "regex":
        problem = validate_regex(text)
        if problem is not None:
            raise InvalidInput(
                f"This regular expression cannot be used: {problem}.",
                field=field,
                code="invalid_regex",
            )
    return text


def check_country(value: str, field: str) -> str:
    code = (value or "").strip().upper()
    problem = country_problem(code)
    if problem is not None:
        raise InvalidInput(problem[0].upper() + problem[1:] + ".", field=field)
    return code
