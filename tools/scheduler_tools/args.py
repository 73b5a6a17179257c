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
_TARGET = (
    "Where it posts: a channel as a Slack mention (<#C0123ABC|eng>) or id (C0123ABC), or a "
    "person as a mention (<@U0123ABC>) or id (U0123ABC), who then gets it by DM from the app. "
    '"me" (as in "remind me") is the requester: pass "me" or the requester\'s own user id'
)
_SOURCE = (
    "digest only: the channel to summarize, as a mention (<#C0123ABC|support>) or id; "
    "the requester must be in it and the bot invited to it"
)
_WHEN = (
    "When it runs, in plain English or cron: 'every weekday at 9am', 'tomorrow at 3pm', "
    "'every 2 hours', 'the first Monday of every month at 10am', 'the last Friday of the "
    "month', 'every other week on Monday and Wednesday at 10am', windows ('every hour "
    "between 9am and 5pm on weekdays'), bounds ('every day at 9am starting next Monday', "
    "'until Friday', '6 times'), or cron such as '0 9 * * MON-FRI', with L (last day), "
    "LW (last weekday), 5L (last Friday) and 1#1 (first Monday): '0 12 L * *'. Keep the "
    "person's words, including a timezone they name"
)
_NEW_WHEN = (
    "A new time, as said. A partial change keeps what it does not name: '9:30' keeps the "
    "days, 'Fridays' keeps the time, '10am on Mondays and Thursdays' changes both, 'every "
    "other week' keeps its one day, 'until Friday' keeps the times; a whole schedule "
    "('every monday at 10am', 'tomorrow at 3pm', cron) replaces it. Pass the person's words "
    "for the time only, not a schedule rebuilt from the old one. Otherwise as for create: "
    f"{_WHEN}"
)
_WINDOW = "digest only: hours of history to summarize, 1-168 ('the last 3 days' is 72)"
_ZONE = "IANA timezone such as Europe/Berlin; default: the requester's own"


class CreateScheduleArgs(Args):
    when: str = Field(min_length=1, max_length=4000, description=_WHEN)
    text: str = Field(
        "",
        description="message: the text to post; agent: the prompt to run; "
        "digest/workflow: optional extra instructions",
    )
    action: ActionKind = Field(
        "message",
        description="message posts text; agent runs a prompt and posts the answer; "
        "digest summarizes a channel's recent messages (source_channel); "
        "workflow runs a named workflow",
    )
    channel: str | None = Field(
        None, description=f"{_TARGET}. Default: the channel the request came from"
    )
    source_channel: str | None = Field(
        None, description=f"{_SOURCE}. Default: the channel it posts to"
    )
    name: str | None = Field(
        None, max_length=100, description="Short unique name; derived from the request if omitted"
    )
    timezone: str | None = Field(None, description=_ZONE)
    window_hours: int = Field(24, ge=1, le=168, description=_WINDOW)
    workflow: str | None = Field(None, description="workflow only: the workflow's name")


class UpdateScheduleArgs(Args):
    name: str = Field(min_length=1, max_length=100, description=_NAME)
    new_name: str | None = Field(None, max_length=100, description="Rename it to this")
    when: str | None = Field(None, min_length=1, max_length=4000, description=_NEW_WHEN)
    text: str | None = Field(None, description="New message text or prompt")
    channel: str | None = Field(None, description=f"Move it. {_TARGET}")
    source_channel: str | None = Field(None, description=f"Summarize another channel. {_SOURCE}")
    window_hours: int | None = Field(None, ge=1, le=168, description=_WINDOW)
    timezone: str | None = Field(
        None, description="Move it to this IANA timezone, keeping its wall-clock time"
    )


class ListSchedulesArgs(Args):
    scope: Literal["mine", "channel", "all"] = Field(
        "all", description="mine: created by the requester; channel: posting to one channel"
    )
    channel: str | None = Field(
        None,
        description=f"For scope=channel; default: the current channel. {_CHANNEL}, "
        'or a person (<@U0123ABC>, or "me") for the schedules sent to them by DM',
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


class RunWorkflowArgs(Args):
    workflow: str = Field(min_length=1, max_length=60, description="The registered workflow's name")
    channel: str | None = Field(
        None, description=f"Where it posts; default: the current channel. {_CHANNEL}"
    )
