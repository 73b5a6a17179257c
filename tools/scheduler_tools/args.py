"""The tools' arguments: one pydantic model per tool, the LLM's JSON schema.

Each model forbids unknown fields and strips whitespace; the field
descriptions are what the LLM reads (`SchedulerTools.tool_schemas`). Who is
asking is never an argument: it comes from the host as a `Caller`.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

ActionKind = Literal["message", "agent", "digest", "workflow"]


class Args(BaseModel):
    # forbid: a prompt injection cannot pass user_id/team_id/is_admin and act as someone else.
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


_NAME = "The schedule's name, e.g. standup-reminder"
_CHANNEL = "A channel as a Slack mention (<#C0123ABC|eng>) or id (C0123ABC)"
_ZONE = "IANA timezone such as Europe/Berlin; default: the requester's own"


class CreateScheduleArgs(Args):
    when: str = Field(
        min_length=1,
        max_length=4000,
        description="When it runs, in plain English or cron: 'every weekday at 9am', "
        "'tomorrow at 3pm', 'every 2 hours', '0 9 * * MON-FRI'",
    )
    text: str = Field(
        "",
        description="message: the text to post; agent: the prompt to run; "
        "digest/workflow: optional extra instructions",
    )
    action: ActionKind = Field(
        "message",
        description="message posts text; agent runs a prompt and posts the answer; "
        "digest summarizes the target channel's recent messages; workflow runs a named workflow",
    )
    channel: str | None = Field(
        None, description=f"{_CHANNEL}; default: the channel the request came from"
    )
    name: str | None = Field(
        None, max_length=100, description="Short unique name; derived from the request if omitted"
    )
    timezone: str | None = Field(None, description=_ZONE)
    window_hours: int = Field(
        24, ge=1, le=168, description="digest only: hours of history to summarize"
    )
    workflow: str | None = Field(None, description="workflow only: the workflow's name")


class UpdateScheduleArgs(Args):
    name: str = Field(min_length=1, max_length=100, description=_NAME)
    new_name: str | None = Field(None, max_length=100, description="Rename it to this")
    when: str | None = Field(None, min_length=1, max_length=4000, description="A new time")
    text: str | None = Field(None, description="New message text or prompt")
    channel: str | None = Field(None, description=f"Move it to this channel. {_CHANNEL}")
    timezone: str | None = Field(
        None, description="Move it to this IANA timezone, keeping its wall-clock time"
    )


class ListSchedulesArgs(Args):
    scope: Literal["mine", "channel", "all"] = Field(
        "all", description="mine: created by the requester; channel: posting to one channel"
    )
    channel: str | None = Field(
        None, description=f"For scope=channel; default: the current channel. {_CHANNEL}"
    )
    page: int = Field(1, ge=1, le=1000)
    page_size: int = Field(20, ge=1, le=50)


class NameArgs(Args):
    name: str = Field(min_length=1, max_length=100, description=_NAME)


class HistoryArgs(NameArgs):
    limit: int = Field(10, ge=1, le=50, description="How many recent runs")


class PreviewArgs(Args):
    when: str = Field(min_length=1, max_length=4000, description="A time to check, as for create")
    timezone: str | None = Field(None, description=_ZONE)


class TimezoneArgs(Args):
    timezone: str = Field(
        min_length=1,
        max_length=100,
        description="IANA timezone such as America/New_York or Europe/Berlin (any letter case)",
    )
