"""What `parse_when` hands back: `ParsedWhen` on success, `ParseError` on refusal,
and `Ambiguous` (a ParseError) when two readings are reasonable.

All carry their JSON shape (`to_json`), which the CLI and the LLM tools pass
on as is: a trigger's kind and fields ("cron", "at", "interval", or the
`rules`/`trigger` of the new kinds), its zone, the description, the next runs
as ISO strings, the remainder and the notes; or `{"error", "hint"}`, plus
`"options": [{"label", "when"}]` for a question.

The builders ask with `Unsure`, which names text edits rather than whole
texts (they see spans, not the message); `parse_when` turns it into
`Ambiguous` by applying each reading's edits to the text it was given.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from scheduler.triggers import AnyTrigger, CronTrigger, IntervalTrigger, OnceTrigger

# How many upcoming fire times every answer shows: a parsed time, a schedule, a preview.
NEXT_RUNS = 5
# An edit (start, end, replacement) with start -1 appends the replacement to the text.
Edit = tuple[int, int, str]


class ParseError(ValueError):
    """The text has no usable time; `message` says why, `hint` what to try."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def to_json(self) -> dict[str, Any]:
        return {"error": self.message, "hint": self.hint}


@dataclass(frozen=True)
class Reading:
    """One way to read an ambiguous text: `when` is the whole text, rewritten
    so that it parses that way and no other."""

    label: str
    when: str


class Ambiguous(ParseError):
    """Two reasonable readings; `message` is the question, `options` the readings."""

    def __init__(self, message: str, hint: str | None, options: tuple[Reading, ...]) -> None:
        super().__init__(message, hint)
        self.options = options

    def to_json(self) -> dict[str, Any]:
        options = [{"label": o.label, "when": o.when} for o in self.options]
        return {**super().to_json(), "options": options}


class Unsure(ParseError):
    """A builder's question: readings as (label, edits to the text)."""

    def __init__(
        self, message: str, hint: str | None, readings: tuple[tuple[str, tuple[Edit, ...]], ...]
    ) -> None:
        super().__init__(message, hint)
        self.readings = readings

    def for_text(self, text: str) -> Ambiguous:
        options = tuple(Reading(label, _edited(text, edits)) for label, edits in self.readings)
        return Ambiguous(self.message, self.hint, options)


def _edited(text: str, edits: tuple[Edit, ...]) -> str:
    for start, end, replacement in sorted(edits, reverse=True):
        if start < 0:
            text = f"{text.rstrip()} {replacement}"
            continue
        before, after = text[:start], text[end:]
        # A reading never glues its words to the text around them: "at 1r" reads
        # "at 1am r", not "at 1amr", which would ask the same question again.
        if replacement[-1:].isalnum() and after[:1].isalnum():
            replacement += " "
        if replacement[:1].isalnum() and before[-1:].isalnum():
            replacement = " " + replacement
        text = before + replacement + after
    return text


@dataclass(frozen=True)
class ParsedWhen:
    trigger: AnyTrigger
    description: str
    next_runs: list[datetime]
    remainder: str
    notes: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"kind": self.trigger.kind, **_trigger_json(self.trigger)}
        data["timezone"] = self.trigger.timezone
        data["description"] = self.description
        data["next_runs"] = [run.isoformat() for run in self.next_runs]
        data["remainder"] = self.remainder
        data["notes"] = list(self.notes)
        return data


def _trigger_json(trigger: AnyTrigger) -> dict[str, Any]:
    if isinstance(trigger, CronTrigger):
        return {"cron": trigger.expr}
    if isinstance(trigger, OnceTrigger):
        return {"at": trigger.at.isoformat()}
    if isinstance(trigger, IntervalTrigger):
        anchor = trigger.anchor.isoformat()
        return {"interval": {"every": trigger.every, "unit": trigger.unit, "anchor": anchor}}
    return {k: v for k, v in trigger.to_dict().items() if k not in ("kind", "timezone")}
