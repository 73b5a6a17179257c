"""Agent steps: a prompt template, answered by the host's `Ask` or by a stand-in.

Rules:
- The host supplies `Ask`, an async callable `(prompt, step_input) -> str`
  (its LLM, say). This package knows no LLM client and no chat platform.
- Without one, `echo_agent` answers: the rendered prompt itself, so a
  workflow runs without an LLM key and tests are deterministic.
- Placeholders: `{input}` (the workflow input as text), `{previous}` (the
  previous output's text), `{NAME}` (the latest output text of the step
  NAME); any other `{word}` stays as written. Templates are not
  `str.format`, so a placeholder cannot reach an attribute.
- An answer that is a JSON object or array (alone, or alone in a ```json
  fence) also fills the output's `data`, so an agent can answer a score.
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable
from typing import Any

from scheduler.workflow.values import StepInput, StepOutput, as_text

Ask = Callable[[str, StepInput], Awaitable[str]]

_PLACEHOLDER = re.compile(r"\{(\w[\w.-]*)\}")
_FENCE = re.compile(r"^```(?:json)?\s*(.*?)\s*```$", re.DOTALL)


async def echo_agent(prompt: str, step_input: StepInput) -> str:
    """The deterministic stand-in for an LLM: the answer is the prompt."""
    return prompt


def render_prompt(template: str, step_input: StepInput) -> str:
    """Fill `{input}`, `{previous}` and `{NAME}` in `template`; leave other braces alone."""
    values = {name: output.text for name, output in step_input.outputs.items()}
    values["input"] = as_text(step_input.input)
    values["previous"] = step_input.previous.text if step_input.previous else ""

    def fill(match: re.Match[str]) -> str:
        return values.get(match.group(1), match.group(0))

    return _PLACEHOLDER.sub(fill, template)


def answer_output(answer: str) -> StepOutput:
    """An agent's answer as a step output: its text, and its JSON when it is JSON."""
    body = answer.strip()
    if fenced := _FENCE.match(body):
        body = fenced.group(1)
    data: Any = None
    if body[:1] in ("{", "["):
        try:
            data = json.loads(body)
        except ValueError:
            data = None
    return StepOutput(text=answer, data=data)
