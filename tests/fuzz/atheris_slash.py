"""Coverage-guided fuzzing of the `/tock` grammar and the time parser with atheris.

Not part of pytest (atheris is not a dependency): run it by hand, for as long
as you like, from the repository root:

    .venv/bin/pip install atheris
    .venv/bin/python tests/fuzz/atheris_slash.py -runs=20000        # or -max_total_time=60
    .venv/bin/python tests/fuzz/atheris_slash.py corpus/ -max_len=512

Each input is split into a zone choice and text, and goes to `parse_slash`,
`parse_when` and `parse_change`. A refusal (`SlashError`, `ParseError`) is the
expected outcome for most inputs; any other exception is a bug, and atheris
stops with the input that raised it (saved as `crash-…`; replay it by passing
the file instead of a directory).
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime

import atheris

with atheris.instrument_imports():
    from bot.commands.command import SlashError
    from bot.commands.grammar import parse_slash
    from tools.timeparse import ParseError, parse_change, parse_when

ZONES = ("America/New_York", "Europe/Berlin", "UTC", "Asia/Kathmandu", "Mars/Olympus")
NOW = datetime(2026, 3, 4, 15, 0, tzinfo=UTC)
CURRENT = parse_when("every weekday at 9am", "America/New_York", NOW).trigger


def one_input(data: bytes) -> None:
    provider = atheris.FuzzedDataProvider(data)
    zone = ZONES[provider.ConsumeIntInRange(0, len(ZONES) - 1)]
    text = provider.ConsumeUnicodeNoSurrogates(provider.remaining_bytes())
    try:
        parse_slash(text, tz=zone, now=NOW)
    except SlashError as err:
        assert err.message, "a refusal must say why"
    for parse in (
        lambda: parse_when(text, zone, NOW),
        lambda: parse_change(text, zone, NOW, CURRENT),
    ):
        try:
            parse()
        except ParseError as err:
            assert err.message, "a refusal must say why"


def main() -> None:
    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
