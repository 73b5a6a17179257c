"""What flows between steps: `StepInput` in, `StepOutput` out.

Rules:
- A step returns a `StepOutput`: `text` (what a person reads), `data` (any
  JSON value, for later steps and conditions) and `stop` (end the whole
  workflow after this step; its output is the workflow's).
- Outputs are persisted as JSON (`to_json`) and read back (`from_json`) when a
  retried run resumes, so `data` must survive `json.dumps` unchanged.
- `StepInput.outputs` holds every output so far twice: by path
  (`draft_review/2/draft`) and by name (`draft`, the latest of that name).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from scheduler.jobs import RunContext


@dataclass(frozen=True)
class StepOutput:
    """A step's result: text and/or JSON data, and whether to end the workflow here."""

    text: str = ""
    data: Any = None
    stop: bool = False

    def to_json(self) -> dict[str, Any]:
        return {"text": self.text, "data": self.data, "stop": self.stop}

    @classmethod
    def from_json(cls, value: Mapping[str, Any]) -> StepOutput:
        return cls(str(value.get("text") or ""), value.get("data"), bool(value.get("stop")))

    def check_json(self) -> None:
        """Raise TypeError or ValueError unless `data` is plain JSON."""
        json.dumps(self.data, allow_nan=False)


@dataclass(frozen=True)
class StepInput:
    """What a step (or a condition) is given.

    `input` is the workflow's input (the schedule's text, or its `input`
    JSON); `previous` the output of the step before (None for the first);
    `outputs` every earlier output by path and by name; `context` the run;
    `path` this step's path; `attempt` the try of this step, counted across
    the run's attempts (above 1, an earlier try may have had its effect);
    `iteration` the innermost loop's iteration (1-based), None outside loops.
    """

    input: Any
    previous: StepOutput | None
    outputs: Mapping[str, StepOutput]
    context: RunContext
    path: str
    attempt: int = 1
    iteration: int | None = None

    @property
    def text(self) -> str:
        """The text to work on: the previous output's, else the input as text."""
        return self.previous.text if self.previous is not None else as_text(self.input)

    @property
    def idempotency_key(self) -> str:
        """Stable across tries and run attempts of this step, so it can find its own effect."""
        return f"{self.context.idempotency_key}:{self.path}"

    @property
    def outcome_unknown(self) -> bool:
        """True when an earlier try of this step may already have had its effect."""
        return self.attempt > 1


def as_text(value: Any) -> str:
    """A workflow input as text: a string as is, None as "", anything else as JSON."""
    if value is None or isinstance(value, str):
        return value or ""
    return json.dumps(value)
