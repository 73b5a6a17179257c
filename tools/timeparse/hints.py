"""Typo detection: "evry day at 9am" is refused with 'did you mean "every day at 9am"?'.

Words in the unread text within one edit or so of a keyword (same first
letter) are replaced and the text rescanned; the hint is given only when the
fix finds more categories, i.e. when the typo would otherwise have changed
the meaning silently.
"""

from __future__ import annotations

import difflib
from datetime import datetime
from itertools import islice

from tools.timeparse.patterns import ASCII_WORD
from tools.timeparse.recognizers import scan_text
from tools.timeparse.results import ParseError
from tools.timeparse.scanner import Scanner

_VOCABULARY = (
    "every daily hourly weekly monthly yearly weekday weekdays weekend weekends tomorrow "
    "today tonight noon midnight minute minutes hour hours day days week weeks month "
    "morning evening afternoon monday tuesday wednesday thursday friday saturday sunday "
    "mondays tuesdays wednesdays thursdays fridays saturdays sundays january february "
    "march april june july august september october november december until starting "
    "between twice"
).split()
_KNOWN = frozenset(_VOCABULARY)


_BY_INITIAL: dict[str, list[str]] = {}
for _word in _VOCABULARY:
    _BY_INITIAL.setdefault(_word[0], []).append(_word)
# Common words one letter away from a keyword ("very" ~ "every") are not typos.
_NOT_TYPOS = frozenset("ever very even never ours mouth week weak".split())


def _typo_fixes(work: str) -> dict[str, str]:
    """Misspelt keywords in the unread text, e.g. {"evry": "every"}."""
    fixes: dict[str, str] = {}
    for word in islice(ASCII_WORD.finditer(work), 40):
        lower = word.group().lower()
        if len(lower) < 4 or lower in _KNOWN or lower in _NOT_TYPOS or lower in fixes:
            continue
        # Same first letter only: keeps this cheap, and typos rarely hit it.
        close = difflib.get_close_matches(lower, _BY_INITIAL.get(lower[0], ()), n=1, cutoff=0.8)
        if close:
            fixes[lower] = close[0]
    return fixes


def typo_hint(scan: Scanner, now: datetime, tz: str) -> tuple[str, str] | None:
    """(typo, 'did you mean "every day at 9am"?') when fixing a typo adds meaning."""
    fixes = _typo_fixes(scan.work)
    if not fixes:
        return None
    fixed = ASCII_WORD.sub(lambda m: fixes.get(m.group().lower(), m.group()), scan.text)
    try:
        better = scan_text(fixed, now, tz)
    except ParseError:
        return None
    if not better.parts.seen.keys() > scan.parts.seen.keys():
        return None
    phrase = " ".join(" ".join(better.text[a:b].split()) for a, b in sorted(better.parts.spans))
    return next(iter(fixes)), f'did you mean "{phrase}"?'


def check_typos(scan: Scanner, now: datetime, tz: str) -> None:
    """Refuse "evry day at 9am": the typo would silently turn it into a one-off."""
    found = typo_hint(scan, now, tz)
    if found:
        raise ParseError(f'"{found[0]}" looks like a typo', found[1])
