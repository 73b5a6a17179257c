"""The plumbing of LLM tool calls: the registry entry, argument decoding, errors, schemas.

`SchedulerTools.call` decodes the arguments (a JSON string or a dict),
validates them against the tool's model and turns a pydantic error into one
`ToolError` line naming each bad field without echoing its value.
`json_schema` is a model's schema as the LLM sees it.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from tools.caller import Caller
from tools.scheduler_tools.args import Args
from tools.scheduler_tools.errors import ToolError
from tools.scheduler_tools.views import ToolResult


@dataclass(frozen=True)
class Tool:
    """One registry entry: the argument model, the bound method, the LLM's description."""

    model: type[Args]
    run: Callable[[Caller, Any], Awaitable[ToolResult]]
    description: str


def decode(arguments: str | dict[str, Any]) -> dict[str, Any]:
    """Tool arguments as a dict; an empty string means no arguments."""
    if isinstance(arguments, str):
        if not arguments.strip():
            return {}
        try:
            arguments = json.loads(arguments)
        except json.JSONDecodeError as exc:
            raise ToolError(
                f"the arguments are not valid JSON ({exc.msg})", "send one JSON object"
            ) from exc
    if not isinstance(arguments, dict):
        raise ToolError("the arguments must be a JSON object", "send one JSON object")
    return arguments


def invalid(exc: ValidationError) -> ToolError:
    """One line naming each bad field (never echoing its value)."""
    problems = exc.errors(include_url=False, include_input=False)
    summary = "; ".join(
        f"{'.'.join(map(str, p['loc'])) or 'arguments'}: {p['msg']}" for p in problems
    )
    extra = [str(p["loc"][-1]) for p in problems if p["type"] == "extra_forbidden"]
    if extra:
        hint = (
            f"remove {', '.join(extra)}: only the parameters in the tool's schema are accepted, "
            "and who is asking comes from Slack"
        )
    else:
        hint = "fix those fields to match the tool's parameters"
    return ToolError(f"invalid arguments: {summary}", hint)


def json_schema(model: type[Args]) -> dict[str, Any]:
    """The model's JSON schema without pydantic's auto titles (noise for the LLM)."""
    schema = model.model_json_schema()
    schema.pop("title", None)
    for prop in schema.get("properties", {}).values():
        prop.pop("title", None)
    return schema
