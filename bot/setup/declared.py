"""One declared schedule, as a `schedules.yml` entry or `tock.register_schedule(...)` says it.

Fields (the YAML keys, and the keyword arguments of `register_schedule`):

- `name` (required): lower-case letters, digits and hyphens (`daily-standup`),
  unique in its workspace; a schedule is found again by it at every start.
- `when` or `cron`, exactly one: plain English as in chat ("every weekday at
  9:30am"; a cron expression works here too), or a 5-field cron expression.
- `timezone`: the IANA zone the times are in (default `UTC`).
- `channel`: where it posts: a channel id (`C0123ABC`), a `<#C0123ABC|eng>`
  mention, or a person's user id (`U0123ABC`: their DM with the app). Ids,
  not names: a channel keeps its id when it is renamed.
- `action`: `message` (the default), `agent`, `digest`, `workflow`, or a job
  kind the setup hook registers.
- `text`: the message, the agent's prompt, or a workflow's input text.
- `workflow` (action `workflow`): the workflow to run; `input`: its input
  (any YAML value) instead of `text`.
- `source_channel`, `window_hours` (action `digest`): the channel summarized
  (default: `channel`) and how many hours back (default 24).
- `args` (a setup-hook job kind): the arguments its handler reads from
  `ctx.schedule.action`.
- `team`: the Slack workspace (`T0123ABC`); default `TOCK_TEAM_ID`, else the
  bot token's own workspace.
- Options: `enabled` (false: declared paused), `misfire_grace_s`,
  `catch_up`, `overlap` (`skip` | `queue` | `allow`), `max_retries`,
  `timeout_s`, as for any schedule.

What can be checked without knowing the job kinds, workflows and clock is
checked here (`Declared`); the rest when it becomes a schedule (`plans`).
"""

from __future__ import annotations

import json
import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from scheduler.maintenance import SYSTEM_TEAM
from tools.refs import CHANNEL_ID, CHANNEL_MENTION, USER_ID
from tools.scheduler_tools.errors import ToolError
from tools.scheduler_tools.names import MAX_NAME, checked_zone, slugify

TEAM_ID = re.compile(r"[TE][A-Z0-9]{2,20}")
_SLUG = re.compile(rf"[a-z0-9](?:[a-z0-9-]{{0,{MAX_NAME - 2}}}[a-z0-9])?")


class Declared(BaseModel):
    """One schedule the operator declares; see the module docstring for the fields."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    name: str
    when: str | None = None
    cron: str | None = None
    timezone: str = "UTC"
    channel: str | None = None
    action: str = "message"
    text: str = ""
    workflow: str | None = None
    input: Any = None
    source_channel: str | None = None
    window_hours: int | None = Field(None, ge=1, le=24 * 31)
    args: dict[str, Any] = Field(default_factory=dict)
    team: str | None = None
    enabled: bool = True
    misfire_grace_s: int = Field(300, ge=0)
    catch_up: bool = True
    overlap: Literal["skip", "queue", "allow"] = "skip"
    max_retries: int = Field(3, ge=0, le=100)
    timeout_s: int = Field(300, ge=1)

    @field_validator("name")
    @classmethod
    def _slug(cls, value: str) -> str:
        if _SLUG.fullmatch(value):
            return value
        suggestion = slugify(value)
        example = f", e.g. {suggestion!r}" if suggestion else ""
        raise ValueError(f"use lower-case letters, digits and hyphens{example}")

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            return checked_zone(value)
        except ToolError as exc:
            raise ValueError(f"{exc.error} ({exc.hint})") from None

    @field_validator("channel", "source_channel")
    @classmethod
    def _place(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if mention := CHANNEL_MENTION.fullmatch(value):
            return mention.group(1)
        if CHANNEL_ID.fullmatch(value) or USER_ID.fullmatch(value):
            return value
        raise ValueError(
            f"{value!r} is not a channel or user id: use the channel's id (C0123ABC, at the "
            "bottom of the channel's details in Slack) or a person's user id (U0123ABC)"
        )

    @field_validator("team")
    @classmethod
    def _team(cls, value: str | None) -> str | None:
        if value is None or TEAM_ID.fullmatch(value):
            return value
        if value == SYSTEM_TEAM:
            raise ValueError(f"{SYSTEM_TEAM!r} is Tock's own; give a Slack workspace id")
        raise ValueError(f"{value!r} is not a Slack workspace id (T0123ABC)")

    @field_validator("input", "args")
    @classmethod
    def _plain(cls, value: Any) -> Any:
        """Stored as JSON: YAML's dates and the like must be quoted."""
        try:
            json.dumps(value, allow_nan=False)
        except (TypeError, ValueError):
            raise ValueError(
                "use plain values (text, numbers, true/false, lists, mappings); quote dates"
            ) from None
        return value

    @field_validator("action")
    @classmethod
    def _kind(cls, value: str) -> str:
        if not value:
            raise ValueError("say what it does: message, agent, digest, workflow or a job kind")
        return value

    @model_validator(mode="after")
    def _one_time(self) -> Declared:
        if problem := _time_problem(self.when, self.cron):
            raise ValueError(problem)
        return self


def declared(fields: dict[str, Any], where: str) -> Declared:
    """`fields` as a Declared; ValueError whose args are one sentence per problem."""
    try:
        return Declared.model_validate(fields)
    except ValidationError as exc:
        problems = [_sentence(where, item) for item in exc.errors(include_url=False)]
        # pydantic skips the whole-entry check when a field fails: say it as well.
        time = _time_problem(fields.get("when"), fields.get("cron"))
        if time and not any(time in problem for problem in problems):
            problems.append(f"{where}: {time}")
        raise ValueError(*problems) from None


def _time_problem(when: object, cron: object) -> str | None:
    if (when is None) == (cron is None):
        return "give exactly one of `when` (plain English or cron) and `cron`"
    return None


def _sentence(where: str, item: Any) -> str:
    field = ".".join(str(part) for part in item["loc"])
    kind, message = item["type"], str(item["msg"]).removeprefix("Value error, ")
    if kind == "extra_forbidden":
        known = ", ".join(Declared.model_fields)
        return f"{where}: unknown field `{field}` (the fields are: {known})"
    if kind == "missing":
        return f"{where}: `{field}` is missing"
    return f"{where}, `{field}`: {message}" if field else f"{where}: {message}"
