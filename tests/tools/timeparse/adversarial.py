"""Texts that once made `parse_when` slow: units repeated up to the 4,000-character limit.

The tests check that each is only ever refused or read; benchmarks.parse times
them (`adversarial_max_ms`), because a speed target is no test assertion.
"""

from __future__ import annotations

LIMIT = 4000  # parse_when refuses longer text

ADVERSARIAL: list[str] = [
    "the 1st and ",
    "every ",
    "march ",
    "evry ",
    "1 ",
    "at 9, ",
    "monday and ",
    "mon/",
    "0 9 * * * ",
    "europe/berlin ",
    "in 2 hours and ",
    "x/y ",
    "a",
    " ",
    "\u00a0",
    '"',
    "the first monday and ",
    "first and ",
    "2nd, ",
    "of march, ",
    "until ",
    "from 9 to ",
    "between 1 and ",
    "starting next ",
    "for the next ",
    "twice a day at 9 and ",
    "5#1,",
    "daily would ",
    "half past 4 ",  # a rewritten reading must not ask the same question again
    "4 o'clock ",
    "at 4 ",
    "second-to-",  # zone names once rescanned every hyphenated run from each hyphen
    "a-b-",
]


def repeated(unit: str) -> str:
    """`unit` over and over, cut at the limit."""
    return (unit * LIMIT)[:LIMIT]
