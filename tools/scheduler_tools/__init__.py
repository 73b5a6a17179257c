"""SchedulerTools: the only way anything (agent, slash command, buttons) changes schedules.

Every method takes a `Caller` from the host, never from LLM arguments, and
sees only the caller's team: another team's schedule is simply "not found".
Anyone may create a schedule posting into a channel they are in, or by DM to
themselves or to a person `Membership.is_person` vouches for; a digest
summarizes a channel they are in and the bot can read; an agent schedule
needs an LLM (`llm=True`). Only a schedule's creator or an admin may change,
pause, resume, run or delete it. Quotas are checked before anything is
written. Results are plain dicts; refusals raise `ToolError`, whose
`{"error", "hint"}` (plus `options` when a time had two readings) an LLM can
act on. `call()` is the validated entry point for LLM tool calls and raises
nothing but `StoreUnavailable` (a database outage, which the host answers).

Names: a given name is normalized to a slug ("Standup Reminder" ->
"standup-reminder") and must be free; a missing one is derived from the
request and gets -2, -3, ... on a collision. Lookups try the name as written,
then its slug.

Timezones: a zone argument (and `set_timezone`, the requester's own
preference) is an IANA name in any letter case, stored as IANA spells it;
an unknown one is refused with the closest IANA name as the hint.

Modules: `service` (`SchedulerTools`) on `updates` (what an update changes)
on `policy` (lookups, permission, targets, sources, quotas); `args` (the
argument models), `calls` (decoding and schemas for `call()`), `errors`
(`ToolError`), `names` (slugs, channel, target and timezone arguments),
`when` (parsing `when`: options and notes) and `views` (result dicts).
Fire-time math (next runs, spacing, moving zones) is `scheduler.triggers`'.
"""

from __future__ import annotations

from tools.caller import Caller, Membership, Quotas
from tools.scheduler_tools.args import (
    ActionKind,
    CreateScheduleArgs,
    HistoryArgs,
    ListSchedulesArgs,
    NameArgs,
    PreviewArgs,
    RunWorkflowArgs,
    TimezoneArgs,
    UpdateScheduleArgs,
)
from tools.scheduler_tools.errors import ToolError
from tools.scheduler_tools.names import (
    CHANNEL_HINT,
    IANA_HINT,
    MAX_NAME,
    MAX_SUFFIX,
    TARGET_HINT,
    Target,
    channel_id,
    checked_name,
    checked_zone,
    derive_name,
    is_person_id,
    slugify,
    target_ref,
)
from tools.scheduler_tools.policy import NO_LLM, NO_LLM_HINT
from tools.scheduler_tools.service import DEFAULT_QUOTAS, SOURCES, SchedulerTools, Source
from tools.scheduler_tools.views import ToolResult, run_view, schedule_view
from tools.scheduler_tools.when import AMBIGUOUS_HINT

__all__ = [
    "AMBIGUOUS_HINT",
    "CHANNEL_HINT",
    "DEFAULT_QUOTAS",
    "IANA_HINT",
    "MAX_NAME",
    "MAX_SUFFIX",
    "NO_LLM",
    "NO_LLM_HINT",
    "SOURCES",
    "TARGET_HINT",
    "ActionKind",
    "Caller",
    "CreateScheduleArgs",
    "HistoryArgs",
    "ListSchedulesArgs",
    "Membership",
    "NameArgs",
    "PreviewArgs",
    "Quotas",
    "RunWorkflowArgs",
    "SchedulerTools",
    "Source",
    "Target",
    "TimezoneArgs",
    "ToolError",
    "ToolResult",
    "UpdateScheduleArgs",
    "channel_id",
    "checked_name",
    "checked_zone",
    "derive_name",
    "is_person_id",
    "run_view",
    "schedule_view",
    "slugify",
    "target_ref",
]
