"""The regular-expression subset accepted for URL targeting rules.

A pattern is stored as written and means what ``new RegExp(pattern).test(url)`` means in a
browser (no flags). This module refuses, with a message, everything whose meaning differs
between JavaScript and Python's ``re`` and everything that could backtrack catastrophically,
and translates the rest into an equivalent Python pattern. The subset is documented in
``docs/hashing.md`` ("URL regex subset") and pinned by ``spec/targeting.json``.

Accepted: ASCII literals; escapes ``\\d \\D \\w \\W \\s \\S \\b \\B \\n \\r \\t \\f \\v
\\xHH \\uHHHH`` and ``\\`` before any ASCII punctuation; ``.``; ``^`` and ``$``; classes
``[...]`` / ``[^...]`` with ranges; groups ``(...)`` and ``(?:...)``; alternation ``|``;
quantifiers ``* + ? {n} {n,} {n,m}`` (m ≤ 1000), each optionally lazy (``?``).

Refused: backreferences, lookaround, named groups, inline flags, possessive quantifiers,
non-ASCII or control characters (use ``\\uHHHH``), unescaped ``{ } ]``, ambiguous class
syntax, patterns over 500 characters, and two shapes that backtrack catastrophically:

* a group repeated more than once whose content has a variable length or an alternation,
  e.g. ``(a+)+``, ``(\\d+\\.)*``, ``(a|ab)*`` (exponential time);
* two variable-length items of one sequence that can match the same characters, with no
  mandatory item between them that neither can match, e.g. ``\\d+\\d*``, ``.*a.*b``
  (polynomial time) — unless everything after the second one can never fail (``.*`` to the
  end of the pattern, or ``.*$``).

Evaluation is total: a URL longer than :data:`MAX_SUBJECT_LENGTH` characters or containing a
line terminator never matches, and a refused pattern never matches.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = [
    "MAX_PATTERN_LENGTH",
    "MAX_REPEAT",
    "MAX_SUBJECT_LENGTH",
    "CompiledRegex",
    "RegexRefused",
    "compile_regex",
    "regex_search",
    "to_python_pattern",
    "validate_regex",
]

MAX_PATTERN_LENGTH = 500
MAX_REPEAT = 1000
MAX_SUBJECT_LENGTH = 2048
_MAX_DEPTH = 20
_MAX_GROUPS = 50

# JavaScript's \s: WhiteSpace and LineTerminator of ECMA-262 (Python's \s differs).
_JS_SPACE_CHARS = (
    "\\t\\n\\x0b\\x0c\\r \\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff"
)
# JavaScript's '.': anything but a line terminator (Python's '.' only excludes \n).
_JS_DOT = "[^\\n\\r\\u2028\\u2029]"
_LINE_TERMINATORS = ("\n", "\r", "\u2028", "\u2029")

_NON_ASCII = 1 << 128  # one bit standing for "some character above U+007F"
_ALL = (1 << 129) - 1


def _bits(chars: str) -> int:
    mask = 0
    for char in chars:
        code = ord(char)
        mask |= _NON_ASCII if code > 0x7F else 1 << code
    return mask


def _range_bits(low: int, high: int) -> int:
    mask = 0
    for code in range(low, min(high, 0x7F) + 1):
        mask |= 1 << code
    if high > 0x7F:
        mask |= _NON_ASCII
    return mask


_DIGIT = _range_bits(0x30, 0x39)
_WORD = _DIGIT | _range_bits(0x41, 0x5A) | _range_bits(0x61, 0x7A) | _bits("_")
_SPACE = _bits("\t\n\x0b\x0c\r ") | _NON_ASCII
_DOT = _ALL & ~_bits("\n\r")  # U+2028/9 are non-ASCII: the approximation keeps the bit
_CLASS_ESCAPES = {
    "d": (_DIGIT, "\\d"),
    "D": (_ALL & ~_DIGIT, "\\D"),
    "w": (_WORD, "\\w"),
    "W": (_ALL & ~_WORD, "\\W"),
    "s": (_SPACE, "[" + _JS_SPACE_CHARS + "]"),
    "S": (_ALL, "[^" + _JS_SPACE_CHARS + "]"),
}
_CONTROL_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", "f": "\x0c", "v": "\x0b"}


class RegexRefused(ValueError):
    """A pattern outside the subset; ``str()`` is a message for the person who wrote it."""

    def __init__(self, message: str, position: int) -> None:
        super().__init__(message)
        self.position = position


@dataclass(slots=True)
class _Term:
    """One (quantified) item of a sequence, as seen by the backtracking analysis."""

    chars: int  # characters the item can consume (bit mask, see _bits)
    min_len: int
    max_len: int | None  # None = unbounded
    position: int
    text: str = ""
    assertion: bool = False  # ^ $ \b \B: zero width, can fail
    dot: bool = False  # '.' itself: in a URL without line terminators it never fails
    empty_ok: bool = False  # matches the empty string wherever it is tried
    fixed_content: bool = True  # a group whose content has one length and no '|'
    group: bool = False

    @property
    def variable(self) -> bool:
        return self.max_len is None or self.max_len > self.min_len


class _Parser:
    def __init__(self, pattern: str) -> None:
        self.pattern = pattern
        self.pos = 0
        self.groups = 0
        self.out: list[str] = []

    def _refuse(self, message: str, position: int | None = None) -> RegexRefused:
        where = self.pos if position is None else position
        return RegexRefused(f"{message} (at character {where + 1})", where)

    def _peek(self, offset: int = 0) -> str:
        index = self.pos + offset
        return self.pattern[index] if index < len(self.pattern) else ""

    def parse(self) -> str:
        self._alternation(depth=0, top=True)
        if self.pos < len(self.pattern):
            raise self._refuse("unmatched ')'")
        return "".join(self.out)

    def _alternation(self, depth: int, top: bool) -> list[list[_Term]]:
        if depth > _MAX_DEPTH:
            raise self._refuse(f"groups are nested more than {_MAX_DEPTH} deep")
        branches = [self._sequence(depth)]
        while self._peek() == "|":
            self.out.append("|")
            self.pos += 1
            branches.append(self._sequence(depth))
        for branch in branches:
            _check_sequence(branch, top)
        return branches

    def _sequence(self, depth: int) -> list[_Term]:
        terms: list[_Term] = []
        while self.pos < len(self.pattern) and self._peek() not in "|)":
            start = self.pos
            term = self._atom(depth)
            self._quantifier(term, start)
            term.text = self.pattern[start : self.pos]
            terms.append(term)
        return terms

    def _atom(self, depth: int) -> _Term:
        start = self.pos
        char = self._peek()
        if char == "^":
            self.pos += 1
            self.out.append("^")
            return _Term(0, 0, 0, start, assertion=True)
        if char == "$":
            self.pos += 1
            self.out.append("\\Z")  # JS '$' without the m flag = end of input only
            return _Term(0, 0, 0, start, assertion=True)
        if char == ".":
            self.pos += 1
            self.out.append(_JS_DOT)
            return _Term(_DOT, 1, 1, start, dot=True)
        if char == "(":
            return self._group(depth)
        if char == "[":
            return self._class()
        if char == "\\":
            return self._escape()
        if char in "*+?":
            raise self._refuse(
                f"'{char}' has nothing to repeat; write '\\{char}' for the character"
            )
        if char == "{":
            raise self._refuse(
                "'{' must start a quantifier like {2} or {1,3}; write '\\{' for the character"
            )
        if char in "]}":
            raise self._refuse(f"write '\\{char}' for a literal '{char}'")
        self._check_plain(char)
        self.pos += 1
        self.out.append(re.escape(char))
        return _Term(_bits(char), 1, 1, start)

    def _check_plain(self, char: str) -> None:
        code = ord(char)
        if code > 0x7E:
            raise self._refuse(
                f"non-ASCII character {char!r}: write it as \\u{code:04x}"
                if code <= 0xFFFF
                else f"non-ASCII character {char!r} is not supported"
            )
        if code < 0x20:
            raise self._refuse(f"control character U+{code:04X}: write it as an escape")

    def _group(self, depth: int) -> _Term:
        start = self.pos
        self.pos += 1
        if self._peek() == "?":
            kind = self._peek(1)
            if kind != ":":
                what = {
                    "=": "lookahead",
                    "!": "lookahead",
                    "<": "lookbehind or named group",
                    "P": "named group",
                }.get(kind, "inline flags")
                raise self._refuse(f"{what} '(?{kind}' is not supported; use (...) or (?:...)")
            self.pos += 2
            self.out.append("(?:")
        else:
            self.groups += 1
            if self.groups > _MAX_GROUPS:
                raise self._refuse(f"more than {_MAX_GROUPS} groups")
            self.out.append("(")
        branches = self._alternation(depth + 1, top=False)
        if self._peek() != ")":
            raise self._refuse("missing ')'", start)
        self.pos += 1
        self.out.append(")")
        group = _Term(0, 0, 0, start, group=True, fixed_content=len(branches) == 1)
        lengths: list[tuple[int, int | None]] = []
        empty_ok = False
        for branch in branches:
            low = 0
            high: int | None = 0
            for term in branch:
                group.chars |= term.chars
                low += term.min_len
                high = None if high is None or term.max_len is None else high + term.max_len
                if term.variable:
                    group.fixed_content = False
            lengths.append((low, high))
            empty_ok = empty_ok or all(term.empty_ok for term in branch)
        group.min_len = min(low for low, _ in lengths)
        highs = [high for _, high in lengths]
        group.max_len = None if None in highs else max(h for h in highs if h is not None)
        group.empty_ok = empty_ok
        return group

    def _class(self) -> _Term:
        start = self.pos
        self.pos += 1
        negated = self._peek() == "^"
        if negated:
            self.pos += 1
        self._check_class_pairs(start)
        parts: list[str] = []
        mask = 0
        while True:
            char = self._peek()
            if char == "":
                raise self._refuse("missing ']'", start)
            if char == "]":
                if not parts:
                    raise self._refuse("empty character class", start)
                self.pos += 1
                break
            if char == "[":
                raise self._refuse("write '\\[' for a literal '[' inside a class")
            low_pos = self.pos
            low, low_text, low_class = self._class_atom()
            has_range = self._peek() == "-" and self._peek(1) not in ("]", "")
            if low_class is not None:
                if has_range:
                    raise self._refuse("a range cannot start at a class escape like \\d", low_pos)
                mask |= low_class
                parts.append(low_text)
            elif has_range:
                self.pos += 1
                high_pos = self.pos
                high, high_text, high_class = self._class_atom()
                if high_class is not None:
                    raise self._refuse("a range cannot end at a class escape like \\d", high_pos)
                if ord(high) < ord(low):
                    raise self._refuse(f"range '{low_text}-{high_text}' is out of order", low_pos)
                mask |= _range_bits(ord(low), ord(high))
                parts.append(f"{low_text}-{high_text}")
            else:
                mask |= _bits(low)
                parts.append(low_text)
        self.out.append(("[^" if negated else "[") + "".join(parts) + "]")
        if negated:
            mask = (_ALL & ~mask) | _NON_ASCII
        return _Term(mask, 1, 1, start)

    def _check_class_pairs(self, start: int) -> None:
        # Python reserves these unescaped pairs inside a class for future set operations.
        index = start + 1
        previous = ""
        while index < len(self.pattern):
            char = self.pattern[index]
            if char == "\\":
                index += 2
                previous = ""
                continue
            if char == "]":
                return
            if char == previous and char in "-&|~":
                raise self._refuse(
                    f"'{char}{char}' inside a class is ambiguous; escape one of them", index - 1
                )
            previous = char
            index += 1

    def _class_atom(self) -> tuple[str, str, int | None]:
        """One class member: (char, Python text, None), or ("", Python text, class mask)."""
        char = self._peek()
        if char != "\\":
            self._check_plain(char)
            self.pos += 1
            return char, _class_literal(char), None
        escape_pos = self.pos
        nxt = self._peek(1)
        if nxt in _CLASS_ESCAPES:
            if nxt == "S":
                raise self._refuse("\\S inside a class is not supported", escape_pos)
            self.pos += 2
            mask, text = _CLASS_ESCAPES[nxt]
            return "", (text[1:-1] if nxt == "s" else text), mask
        if nxt == "b":
            raise self._refuse("\\b inside a class is not supported; use \\x08", escape_pos)
        literal = self._char_escape()
        return literal, _class_literal(literal), None

    def _escape(self) -> _Term:
        start = self.pos
        nxt = self._peek(1)
        if nxt in _CLASS_ESCAPES:
            self.pos += 2
            mask, text = _CLASS_ESCAPES[nxt]
            self.out.append(text)
            return _Term(mask, 1, 1, start)
        if nxt in ("b", "B"):
            self.pos += 2
            # ASCII word boundary in both (Python with re.ASCII); Python's \B never matches
            # an empty string, JavaScript's does, so \B is written as "not \b".
            self.out.append("\\b" if nxt == "b" else "(?!\\b)")
            return _Term(0, 0, 0, start, assertion=True)
        literal = self._char_escape()
        self.out.append(re.escape(literal))
        return _Term(_bits(literal), 1, 1, start)

    def _char_escape(self) -> str:
        """A backslash escape standing for one character; advances past it."""
        start = self.pos
        nxt = self._peek(1)
        if nxt == "":
            raise self._refuse("the pattern ends with a lone '\\'", start)
        if nxt in _CONTROL_ESCAPES:
            self.pos += 2
            return _CONTROL_ESCAPES[nxt]
        if nxt in ("x", "u"):
            width = 2 if nxt == "x" else 4
            digits = self.pattern[self.pos + 2 : self.pos + 2 + width]
            if len(digits) != width or any(c not in "0123456789abcdefABCDEF" for c in digits):
                raise self._refuse(f"\\{nxt} needs exactly {width} hex digits", start)
            self.pos += 2 + width
            return chr(int(digits, 16))
        if nxt.isascii() and (nxt.isalnum() or nxt == "_"):
            if nxt.isdigit():
                raise self._refuse(
                    f"backreference or octal escape '\\{nxt}' is not supported", start
                )
            raise self._refuse(f"unknown escape '\\{nxt}'", start)
        if not nxt.isascii() or ord(nxt) < 0x20 or ord(nxt) == 0x7F:
            raise self._refuse(f"escape of {nxt!r} is not supported", start)
        self.pos += 2
        return nxt

    def _quantifier(self, term: _Term, start: int) -> None:
        char = self._peek()
        if char not in ("*", "+", "?", "{"):
            return
        if term.assertion:
            raise self._refuse("an anchor or word boundary cannot be repeated")
        quantifier_start = self.pos
        low: int
        high: int | None
        if char == "{":
            match = _BRACES.match(self.pattern, self.pos)
            if match is None:
                raise self._refuse(
                    "'{' must start a quantifier like {2}, {2,} or {1,3}; "
                    "write '\\{' for the character"
                )
            low = int(match.group(1))
            if match.group(2) is None:
                high = low
            else:
                high = int(match.group(3)) if match.group(3) else None
            if high is not None and high < low:
                raise self._refuse(f"quantifier {match.group(0)} is out of order")
            if max(low, high or 0) > MAX_REPEAT:
                raise self._refuse(f"quantifiers are limited to {MAX_REPEAT} repetitions")
            self.pos = match.end()
        else:
            low, high = {"*": (0, None), "+": (1, None), "?": (0, 1)}[char]
            self.pos += 1
        if self._peek() == "?":  # lazy
            self.pos += 1
        self.out.append(self.pattern[quantifier_start : self.pos])
        if self._peek() in ("*", "+", "?", "{"):
            raise self._refuse("a quantifier cannot follow another quantifier")
        if term.group and (high is None or high > 1) and not term.fixed_content:
            raise self._refuse(
                "a repeated group may only contain fixed-length items and no '|' "
                "(like (ab)+ or (\\d{3}-)*), because "
                f"'{self.pattern[start : self.pos]}' can backtrack catastrophically",
                start,
            )
        term.empty_ok = term.empty_ok or low == 0
        term.min_len *= low
        if term.max_len != 0:
            term.max_len = None if high is None or term.max_len is None else term.max_len * high


_BRACES = re.compile(r"\{(\d{1,4})(,(\d{0,4}))?\}")


def _class_literal(char: str) -> str:
    if char in "\\]^-[":
        return "\\" + char
    return char if char.isalnum() else re.escape(char)


def _never_fails(terms: list[_Term], start: int) -> bool:
    """True when ``terms[start:]``, the end of the pattern, match whatever is left of the URL.

    URLs with line terminators never match, so ``.*`` / ``.+`` take the rest of the URL and
    a ``$`` right after them holds; an item that can match nothing holds too.
    """
    for index in range(start, len(terms)):
        term = terms[index]
        if term.assertion:
            previous = terms[index - 1] if index > 0 else None
            dot_run = previous is not None and previous.dot and previous.max_len is None
            if term.text != "$" or not dot_run:
                return False
        elif not (term.empty_ok or (term.dot and term.max_len is None)):
            return False
    return True


def _check_sequence(terms: list[_Term], top: bool) -> None:
    """Refuse two variable-length items that can share characters (polynomial backtracking)."""
    for i, first in enumerate(terms):
        if not first.variable:
            continue
        for j in range(i + 1, len(terms)):
            between = terms[j - 1] if j - 1 > i else None
            # A mandatory item that `first` cannot match pins where `first` ends.
            if between is not None and between.min_len > 0 and between.chars & first.chars == 0:
                break
            second = terms[j]
            if not second.variable or first.chars & second.chars == 0:
                continue
            # ... or one that `second` cannot match pins where `second` starts.
            if any(t.min_len > 0 and t.chars & second.chars == 0 for t in terms[i + 1 : j]):
                continue
            if top and not second.group and _never_fails(terms, j + 1):
                continue
            raise RegexRefused(
                f"'{first.text}' (at character {first.position + 1}) and '{second.text}' "
                f"(at character {second.position + 1}) can match the same text, which can make "
                "matching very slow; make one of them narrower (e.g. [^/]* instead of .*) or "
                "put a character between them that neither matches"
                + (
                    " (a leading .* is not needed: a rule matches anywhere in the URL)"
                    if first.position == 0 and first.dot
                    else ""
                ),
                first.position,
            )


def to_python_pattern(pattern: str) -> str:
    """The Python ``re`` pattern (use with ``re.ASCII``) equivalent to the JS ``pattern``.

    Raises :class:`RegexRefused` for a pattern outside the subset.
    """
    if not isinstance(pattern, str):
        raise RegexRefused("a regex must be text", 0)
    if pattern == "":
        raise RegexRefused("the regex is empty", 0)
    if len(pattern) > MAX_PATTERN_LENGTH:
        raise RegexRefused(f"the regex is longer than {MAX_PATTERN_LENGTH} characters", 0)
    return _Parser(pattern).parse()


def validate_regex(pattern: str) -> str | None:
    """``None`` when ``pattern`` is in the subset, otherwise why it is refused."""
    try:
        to_python_pattern(pattern)
    except RegexRefused as refused:
        return str(refused)
    return None


@dataclass(frozen=True, slots=True)
class CompiledRegex:
    """A pattern of the subset ready to evaluate; ``compiled`` is None when it was refused."""

    source: str
    compiled: re.Pattern[str] | None
    problem: str | None


def compile_regex(pattern: str) -> CompiledRegex:
    """Compile ``pattern``; never raises (a refused pattern compiles to never-matching)."""
    try:
        python = to_python_pattern(pattern)
        return CompiledRegex(pattern, re.compile(python, re.ASCII), None)
    except (RegexRefused, re.error, RecursionError) as error:
        return CompiledRegex(pattern, None, str(error))


def _utf16_units(text: str) -> str:
    """``text`` with astral characters split into surrogate pairs, like a JS string.

    JS regexes without the u flag see UTF-16 code units, so '.' and negated classes must
    count an emoji as two characters in Python too.
    """
    if all(ord(char) <= 0xFFFF for char in text):
        return text
    units: list[str] = []
    for char in text:
        code = ord(char)
        if code <= 0xFFFF:
            units.append(char)
        else:
            code -= 0x10000
            units.append(chr(0xD800 + (code >> 10)) + chr(0xDC00 + (code & 0x3FF)))
    return "".join(units)


def regex_search(regex: CompiledRegex, subject: str) -> bool:
    """``new RegExp(source).test(subject)``, within the subset's rules; never raises."""
    if regex.compiled is None or len(subject) > MAX_SUBJECT_LENGTH:
        return False
    if not subject.isascii():
        subject = _utf16_units(subject)
        if len(subject) > MAX_SUBJECT_LENGTH:
            return False
    for terminator in _LINE_TERMINATORS:
        if terminator in subject:
            return False
    return regex.compiled.search(subject) is not None
