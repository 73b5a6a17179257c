"""The dateparser fallback, for date spellings the regexes do not know ("3-mar-2027").

dateparser is slow (about 1 ms a call, 100 ms the first) and permissive, so it
is imported lazily, fed only a few words around a month name, and trusted
only if it agrees on that month. `warm_up` calls `dateparse` once at start-up.
"""

from __future__ import annotations

import re
from datetime import datetime
from itertools import islice
from typing import Any

from tools.timeparse.dates import month_number
from tools.timeparse.patterns import MONTH_WORD, TOKEN
from tools.timeparse.scanner import Scanner

_dateparser_parse: Any = None


def dateparse(text: str, now: datetime, tz: str) -> datetime | None:
    global _dateparser_parse
    if _dateparser_parse is None:
        # Imported lazily: it costs ~0.1 s and most requests never need it.
        import dateparser

        _dateparser_parse = dateparser.parse
    settings = {
        "RELATIVE_BASE": now.replace(tzinfo=None),
        "TIMEZONE": tz,
        "PREFER_DATES_FROM": "future",
        "RETURN_AS_TIMEZONE_AWARE": True,
        "REQUIRE_PARTS": ["day", "month"],
    }
    try:
        return _dateparser_parse(text, languages=["en"], settings=settings)
    except Exception:  # third-party and permissive: any failure just means "no date"
        return None


def scan_fallback_date(scan: Scanner, now: datetime, tz: str) -> None:
    """Let dateparser read a few words around a month name, and trust it only
    if it agrees on that month (it happily invents dates from other text)."""
    anchor = MONTH_WORD.search(scan.work)
    if anchor is None:
        return
    month = month_number(anchor.group())
    lo = max(0, anchor.start() - 24)
    tokens = list(islice(TOKEN.finditer(scan.work, lo, anchor.end() + 24), 50))
    index = next((i for i, t in enumerate(tokens) if t.start() <= anchor.start() < t.end()), None)
    if index is None:
        return
    for before, after in ((0, 1), (1, 0), (1, 1)):
        window = tokens[max(0, index - before) : index + after + 1]
        start, end = window[0].start(), window[-1].end()
        if end - start > 40:
            continue
        found = dateparse(scan.work[start:end], now, tz)
        if found is not None and found.month == month:
            year = found.year if re.search(r"[0-9]{4}", scan.work[start:end]) else None
            scan.parts.seen["date"] = " ".join(scan.work[start:end].split())
            scan.parts.date = (year, month, found.day)
            scan.parts.spans.append((start, end))
            return
