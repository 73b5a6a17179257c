"""How the tools read `when`: the parse, its refusals as `ToolError`s, its notes.

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

from tools.scheduler_tools.errors import ToolError
from tools.scheduler_tools.views import ToolResult
from tools.timeparse import EXAMPLES, ParsedWhen, ParseError, parse_when

AMBIGUOUS_HINT = "pick one, or say it more exactly"


def read_when(when: str, zone: str, now: datetime) -> ParsedWhen:
    """`when` parsed in `zone`; a refusal (with options when ambiguous) otherwise."""
    try:
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
