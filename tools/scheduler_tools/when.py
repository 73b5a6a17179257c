"""How the tools read `when`: the parse, its refusals as `ToolError`s, its notes.

A create or preview reads `when` as a new schedule (`timeparse.parse_when`);
an update reads it as a change to the schedule's trigger
(`timeparse.parse_change`), so "9:30" keeps the days and "fridays" the time.

A `timeparse.ParseError` becomes a `ToolError` with the parser's hint (or its
examples). An ambiguous time (`timeparse.Ambiguous`: a `ParseError` with
`options`) is asked about, never guessed: its question is the error and its
readings the `options`, each a `when` that parses one way only. A parse's
`notes` (warnings, such as what a cron day-of-month/day-of-week pair really
does) go with create, update and preview results as `"notes"`, a key left out
when there are none.
"""

from __future__ import annotations

from datetime import datetime

from scheduler.triggers import AnyTrigger
from tools.scheduler_tools.errors import ToolError
from tools.scheduler_tools.views import ToolResult
from tools.timeparse import EXAMPLES, ParsedWhen, ParseError, parse_change, parse_when

AMBIGUOUS_HINT = "pick one, or say it more exactly"


def read_when(when: str, zone: str, now: datetime, current: AnyTrigger | None = None) -> ParsedWhen:
    """`when` parsed in `zone`, as a change to `current` when given; a refusal (with
    options when ambiguous) otherwise."""
    try:
        if current is not None:
            return parse_change(when, zone, now, current)
        return parse_when(when, zone, now)
    except ParseError as exc:
        raise refusal(exc) from exc


def refusal(exc: ParseError) -> ToolError:
    """The `ToolError` for a parse refusal: the readings to pick from, or how to fix it."""
    if options := tuple(getattr(exc, "options", ()) or ()):
        return ToolError(exc.message, AMBIGUOUS_HINT, options)
    return ToolError(exc.message, exc.hint or EXAMPLES)


def noted(result: ToolResult, parsed: ParsedWhen | None) -> ToolResult:
    """`result` with the parse's notes, if it had any."""
    notes = list(getattr(parsed, "notes", ()) or ())
    return result | {"notes": notes} if notes else result
