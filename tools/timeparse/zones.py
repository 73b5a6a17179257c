"""Timezones named in the text: the words and abbreviations, and the recognizer.

IANA names, "UTC"/"GMT" and "UTC+5"-style offsets count anywhere; upper-case
abbreviations (ET, PST, CET, ...) count anywhere; lower-case abbreviations and
city names only right after a time or before "time", so that "post the London
update" keeps London as message text. Two different zones are refused.

`canonical_zone` is the one reading of an IANA name in any letter case
(`america/new_york` is America/New_York), for the text, the tools' zone
arguments and `/tock tz`; `closest_zone` is the did-you-mean for a miss.
"""

from __future__ import annotations

import difflib
import functools
import re
import zoneinfo

from tools.timeparse.patterns import rx
from tools.timeparse.results import ParseError
from tools.timeparse.scanner import Scanner

_NY, _LA, _CHI, _DEN = (
    "America/New_York",
    "America/Los_Angeles",
    "America/Chicago",
    "America/Denver",
)
_ABBREVIATIONS = {
    "ET": _NY, "EST": _NY, "EDT": _NY, "PT": _LA, "PST": _LA, "PDT": _LA, "CT": _CHI,
    "CST": _CHI, "CDT": _CHI, "MT": _DEN, "MST": _DEN, "MDT": _DEN, "UTC": "UTC",
    "GMT": "UTC", "CET": "Europe/Berlin", "CEST": "Europe/Berlin", "BST": "Europe/London",
    "IST": "Asia/Kolkata", "AEST": "Australia/Sydney", "AEDT": "Australia/Sydney",
    "JST": "Asia/Tokyo", "KST": "Asia/Seoul", "SGT": "Asia/Singapore", "HKT": "Asia/Hong_Kong",
    "NZST": "Pacific/Auckland", "NZDT": "Pacific/Auckland", "EET": "Europe/Athens",
}  # fmt: skip
_PLACES = {
    "eastern": _NY, "pacific": _LA, "central": _CHI, "mountain": _DEN,
    "new york": _NY, "nyc": _NY, "boston": _NY, "toronto": "America/Toronto",
    "san francisco": _LA, "los angeles": _LA, "seattle": _LA, "vancouver": "America/Vancouver",
    "chicago": _CHI, "austin": _CHI, "denver": _DEN, "phoenix": "America/Phoenix",
    "mexico city": "America/Mexico_City", "sao paulo": "America/Sao_Paulo",
    "london": "Europe/London", "dublin": "Europe/Dublin", "lisbon": "Europe/Lisbon",
    "berlin": "Europe/Berlin", "paris": "Europe/Paris", "madrid": "Europe/Madrid",
    "rome": "Europe/Rome", "amsterdam": "Europe/Amsterdam", "brussels": "Europe/Brussels",
    "zurich": "Europe/Zurich", "vienna": "Europe/Vienna", "stockholm": "Europe/Stockholm",
    "oslo": "Europe/Oslo", "copenhagen": "Europe/Copenhagen", "helsinki": "Europe/Helsinki",
    "warsaw": "Europe/Warsaw", "prague": "Europe/Prague", "athens": "Europe/Athens",
    "istanbul": "Europe/Istanbul", "moscow": "Europe/Moscow", "dubai": "Asia/Dubai",
    "mumbai": "Asia/Kolkata", "delhi": "Asia/Kolkata", "new delhi": "Asia/Kolkata",
    "bangalore": "Asia/Kolkata", "bengaluru": "Asia/Kolkata", "kolkata": "Asia/Kolkata",
    "singapore": "Asia/Singapore", "hong kong": "Asia/Hong_Kong", "shanghai": "Asia/Shanghai",
    "beijing": "Asia/Shanghai", "tokyo": "Asia/Tokyo", "seoul": "Asia/Seoul",
    "sydney": "Australia/Sydney", "melbourne": "Australia/Melbourne",
    "auckland": "Pacific/Auckland", "honolulu": "Pacific/Honolulu",
}  # fmt: skip
_ZONE_WORDS = {**{k.lower(): v for k, v in _ABBREVIATIONS.items()}, **_PLACES}
_ZONE_ALT = "|".join(
    name.replace(" ", r"\s+") for name in sorted(_ZONE_WORDS, key=len, reverse=True)
)
_ZONE_OFFSET = rx(
    r"(?<![\w#@])(?:in\s+)?\b(?:utc|gmt)\s*(?P<sign>[+-])\s*(?P<h>[0-9]{1,2})"
    r"(?::?(?P<m>[0-9]{2}))?(?![0-9])"
)
# Never starting right after "-" or "_" keeps it linear on "a-b-c-d-...".
_ZONE_IANA = rx(
    r"(?<![\w#@/_-])(?:in\s+)?(?P<z>[a-z]+(?:[_-][a-z]+)*/[a-z0-9]+(?:[_+-][a-z0-9]+)*"
    r"(?:/[a-z_]+)?)(?:\s+time)?(?![\w/])"
)
_ZONE_AFTER_TIME = rx(
    r"(?:[0-9]|[ap]\.?m\.?|noon|midnight|o'?clock|morning|afternoon|evening|night|tonight)"
    rf"\s*,?\s*(?P<span>(?:in\s+)?(?P<z>{_ZONE_ALT})(?:\s+time)?)(?![\w/])"
)
_ZONE_TIME_WORD = rx(rf"(?<![\w#@])(?:in\s+)?(?P<z>{_ZONE_ALT})\s+time\b")
_ZONE_UPPER = re.compile(
    r"(?<![\w#@])(?:in\s+)?(?P<z>"
    + "|".join(sorted(_ABBREVIATIONS, key=len, reverse=True))
    + r")(?![\w])",
    re.ASCII,
)
_ZONE_ANY = rx(r"(?<![\w#@])(?:in\s+)?(?P<z>utc|gmt)(?![\w+-])")


def scan_zone(scan: Scanner) -> None:
    zones: list[str] = []
    for match in scan.found(_ZONE_OFFSET, 2):
        zones.append(_offset_zone(match))
        scan.take(match)
    for match in scan.found(_ZONE_IANA, 3):
        name = canonical_zone(match["z"])
        if name:
            zones.append(name)
            scan.take(match)
    for pattern, group in (
        (_ZONE_AFTER_TIME, "span"),
        (_ZONE_TIME_WORD, 0),
        (_ZONE_UPPER, 0),
        (_ZONE_ANY, 0),
    ):
        for match in scan.found(pattern, 3):
            zones.append(_ZONE_WORDS[" ".join(match["z"].lower().split())])
            scan.take(match, group)
    if len(set(zones)) > 1:
        raise ParseError(f"I found more than one timezone ({', '.join(dict.fromkeys(zones))})")
    scan.parts.zone = zones[0] if zones else None


def _offset_zone(match: re.Match[str]) -> str:
    hours, minutes = int(match["h"]), int(match["m"] or 0)
    if minutes or hours > 14:
        raise ParseError(
            f'"{match.group().strip()}" is not a whole-hour offset I can name',
            "use an IANA zone like Asia/Kolkata",
        )
    if hours == 0:
        return "UTC"
    # Etc/GMT zones have the POSIX sign: UTC+2 is Etc/GMT-2.
    return f"Etc/GMT{'-' if match['sign'] == '+' else '+'}{hours}"


def canonical_zone(name: str) -> str | None:
    """The IANA zone `name` spells in any letter case ("utc" is UTC), or None."""
    return _zones_by_lower_name().get(name.strip().lower())


def closest_zone(name: str) -> str | None:
    """The IANA zone spelled most like `name` (for a did-you-mean), or None."""
    lower = _zones_by_lower_name()
    close = difflib.get_close_matches(name.strip().lower()[:64], sorted(lower), n=1)
    return lower[close[0]] if close else None


@functools.cache
def _zones_by_lower_name() -> dict[str, str]:
    return {zone.lower(): zone for zone in zoneinfo.available_timezones()} | {"utc": "UTC"}
