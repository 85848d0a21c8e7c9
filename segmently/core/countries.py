"""ISO 3166-1 alpha-2 country codes, as data."""

from __future__ import annotations

__all__ = ["COUNTRY_CODES", "UNKNOWN_COUNTRY_CODES", "country_problem", "normalize_country"]

# The 249 officially assigned codes, plus XK (Kosovo, user-assigned but reported by
# Cloudflare, MaxMind and most geo-IP services).
COUNTRY_CODES: frozenset[str] = frozenset(
    """
    AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN
    BO BQ BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ
    DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL
    GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM
    JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME
    MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP
    NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD
    SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO
    TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW
    XK
    """.split()  # noqa: SIM905 - a block of codes reads better than 250 quoted strings
)

# What geo-IP layers report when they do not know: such visitors are never filtered out.
UNKNOWN_COUNTRY_CODES: frozenset[str] = frozenset({"", "XX", "ZZ", "T1", "A1", "A2", "O1"})

_COMMON_MISTAKES = {"UK": "GB", "EN": "GB", "EL": "GR"}


def normalize_country(code: str | None) -> str | None:
    """Upper-cased code, or ``None`` when the visitor's country is unknown."""
    if code is None:
        return None
    upper = code.strip().upper()
    return None if upper in UNKNOWN_COUNTRY_CODES else upper


def country_problem(code: str) -> str | None:
    """Why ``code`` cannot be used in a country list, or ``None`` when it is fine."""
    upper = code.strip().upper() if isinstance(code, str) else ""
    if upper in COUNTRY_CODES:
        return None
    hint = _COMMON_MISTAKES.get(upper)
    if hint is not None:
        return f"{code!r} is not an ISO 3166-1 alpha-2 code; did you mean {hint!r}?"
    return f"{code!r} is not an ISO 3166-1 alpha-2 country code (e.g. US, GB, DE)"
