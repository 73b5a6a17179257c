"""`ToolError`: a refusal the caller can fix, as `{"error", "hint"}`.

Raised by every check in the package and turned into data by
`SchedulerTools.call`, so an LLM (or the slash command) can act on the hint.
"""

from __future__ import annotations


class ToolError(Exception):
    """A refusal the caller can fix: `error` says what, `hint` how."""

    def __init__(self, error: str, hint: str) -> None:
        super().__init__(error)
        self.error = error
        self.hint = hint

    def to_dict(self) -> dict[str, str]:
        return {"error": self.error, "hint": self.hint}
