"""`ToolError`: a refusal the caller can fix, as `{"error", "hint"}` (and `options`).

Raised by every check in the package and turned into data by
`SchedulerTools.call`, so an LLM (or the slash command) can act on the hint.
When a time had two reasonable readings, `options` lists them: each a label
to show and a `when` that says it unambiguously, so the caller can ask the
person to pick one and repeat the call with it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol


class Option(Protocol):
    """One reading to choose from (`timeparse.Reading` is one)."""

    @property
    def label(self) -> str: ...

    @property
    def when(self) -> str: ...


class ToolError(Exception):
    """A refusal the caller can fix: `error` says what, `hint` how, `options` what to pick."""

    def __init__(self, error: str, hint: str, options: Iterable[Option] = ()) -> None:
        super().__init__(error)
        self.error = error
        self.hint = hint
        self.options: tuple[dict[str, str], ...] = tuple(
            {"label": option.label, "when": option.when} for option in options
        )

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"error": self.error, "hint": self.hint}
        if self.options:
            data["options"] = [dict(option) for option in self.options]
        return data
