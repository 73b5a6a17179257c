"""SchedulerTools: the only way anything (agent, slash command, buttons) changes schedules.

Every method takes a `Caller` from the host, never from LLM arguments, and
sees only the caller's team: another team's schedule is simply "not found".
Anyone may create a schedule posting into a channel they are in; only its
creator or an admin may change, pause, resume, run or delete it. Quotas are
checked before anything is written. Results are plain dicts; refusals raise
`ToolError`, whose `{"error", "hint"}` an LLM can act on. `call()` is the
validated entry point for LLM tool calls and never raises.

Names: a given name is normalized to a slug ("Standup Reminder" ->
"standup-reminder") and must be free; a missing one is derived from the
request and gets -2, -3, ... on a collision. Lookups try the name as written,
then its slug.
"""

from __future__ import annotations

import difflib
import inspect
import json
import logging
import re
from collections.abc import Awaitable, Callable, Collection, Iterator
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, tzinfo
from itertools import pairwise
from typing import Any, Literal, get_args
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from scheduler import cron
from scheduler.clock import Clock
from scheduler.errors import Conflict, CronError, NotFound
from scheduler.records import Run, Schedule, ScheduleSpec
from scheduler.store import AuditEntry, Store
from scheduler.triggers import (
    AnyTrigger,
    CronTrigger,
    IntervalTrigger,
    OnceTrigger,
    wall_to_instant,
)
from tools.caller import Caller, Membership, Quotas
from tools.timeparse import EXAMPLES, ParsedWhen, ParseError, parse_when

__all__ = [
    "Caller",
    "CreateScheduleArgs",
    "HistoryArgs",
    "ListSchedulesArgs",
    "Membership",
    "NameArgs",
    "PreviewArgs",
    "Quotas",
    "SchedulerTools",
    "ToolError",
    "UpdateScheduleArgs",
]

log = logging.getLogger(__name__)

ActionKind = Literal["message", "agent", "digest", "workflow"]
Source = Literal["chat", "slash", "button", "cli", "startup"]
SOURCES: tuple[str, ...] = get_args(Source)
DEFAULT_QUOTAS = Quotas()
NEXT_RUNS = 5  # fire times shown with every schedule
SPACING_SAMPLE = 10  # fire times inspected for the minimum-spacing quota
MAX_NAME = 60
MAX_SUFFIX = 50  # name-2 ... name-50, then ask for a name
IANA_HINT = "use an IANA name like America/New_York or Europe/Berlin"
CHANNEL_HINT = "pass the channel as a Slack mention like <#C0123ABC|eng>, or its id C0123ABC"


class ToolError(Exception):
    """A refusal the caller can fix: `error` says what, `hint` how."""

    def __init__(self, error: str, hint: str) -> None:
        super().__init__(error)
        self.error = error
        self.hint = hint

    def to_dict(self) -> dict[str, str]:
        return {"error": self.error, "hint": self.hint}


# --------------------------------------------------------------------------- arguments


class _Args(BaseModel):
    # forbid: a prompt injection cannot pass user_id/team_id/is_admin and act as someone else.
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


_NAME = "The schedule's name, e.g. standup-reminder"
_CHANNEL = "A channel as a Slack mention (<#C0123ABC|eng>) or id (C0123ABC)"
_ZONE = "IANA timezone such as Europe/Berlin; default: the requester's own"


class CreateScheduleArgs(_Args):
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


class UpdateScheduleArgs(_Args):
    name: str = Field(min_length=1, max_length=100, description=_NAME)
    new_name: str | None = Field(None, max_length=100, description="Rename it to this")
    when: str | None = Field(None, min_length=1, max_length=4000, description="A new time")
    text: str | None = Field(None, description="New message text or prompt")
    channel: str | None = Field(None, description=f"Move it to this channel. {_CHANNEL}")
    timezone: str | None = Field(
        None, description="Move it to this IANA timezone, keeping its wall-clock time"
    )


class ListSchedulesArgs(_Args):
    scope: Literal["mine", "channel", "all"] = Field(
        "all", description="mine: created by the requester; channel: posting to one channel"
    )
    channel: str | None = Field(
        None, description=f"For scope=channel; default: the current channel. {_CHANNEL}"
    )
    page: int = Field(1, ge=1, le=1000)
    page_size: int = Field(20, ge=1, le=50)


class NameArgs(_Args):
    name: str = Field(min_length=1, max_length=100, description=_NAME)


class HistoryArgs(_Args):
    name: str = Field(min_length=1, max_length=100, description=_NAME)
    limit: int = Field(10, ge=1, le=50, description="How many recent runs")


class PreviewArgs(_Args):
    when: str = Field(min_length=1, max_length=4000, description="A time to check, as for create")
    timezone: str | None = Field(None, description=_ZONE)


# --------------------------------------------------------------------------- the tools

ToolResult = dict[str, Any]


@dataclass(frozen=True)
class _Tool:
    model: type[_Args]
    run: Callable[[Caller, Any], Awaitable[ToolResult]]
    description: str


class SchedulerTools:
    def __init__(
        self,
        store: Store,
        clock: Clock,
        membership: Membership,
        quotas: Quotas = DEFAULT_QUOTAS,
        workflows: Collection[str] = (),
        *,
        source: str = "chat",
    ) -> None:
        self.store = store
        self.clock = clock
        self.membership = membership
        self.quotas = quotas
        self.workflows = frozenset(workflows)
        self.source = _checked_source(source)
        self._tools = self._registry()

    def _registry(self) -> dict[str, _Tool]:
        handlers: list[tuple[type[_Args], Callable[[Caller, Any], Awaitable[ToolResult]]]] = [
            (CreateScheduleArgs, self.create_schedule),
            (UpdateScheduleArgs, self.update_schedule),
            (ListSchedulesArgs, self.list_schedules),
            (NameArgs, self.get_schedule),
            (NameArgs, self.delete_schedule),
            (NameArgs, self.pause_schedule),
            (NameArgs, self.resume_schedule),
            (NameArgs, self.run_schedule_now),
            (HistoryArgs, self.schedule_history),
            (PreviewArgs, self.preview_when),
        ]
        return {h.__name__: _Tool(m, h, inspect.getdoc(h) or "") for m, h in handlers}

    # -- writes ---------------------------------------------------------------

    async def create_schedule(
        self, caller: Caller, args: CreateScheduleArgs, *, source: str | None = None
    ) -> ToolResult:
        """Create a schedule that posts a message, runs an agent prompt, posts a digest of
        the target channel, or runs a workflow, at the times `when` describes. Check
        ambiguous times with preview_when first."""
        now = self.clock.now()
        parsed = _parse(args.when, _zone_name(args.timezone or caller.timezone), now)
        action = self._action(args.action, args.text, args.window_hours, args.workflow)
        self._check_spacing(parsed.trigger, now)
        channel = await self._target_channel(caller, args.channel)
        await self._check_user_quota(caller)
        await self._check_channel_quota(caller.team_id, channel)
        spec = ScheduleSpec(
            team_id=caller.team_id,
            name="",  # chosen by _insert
            trigger=parsed.trigger,
            action_kind=args.action,
            action=action,
            channel_id=channel,
            created_by=caller.user_id,
            source=_checked_source(source or self.source),
        )
        # The remainder may be only filler ("post"); the message text names it better.
        request = (derive_name(parsed.remainder) and parsed.remainder) or args.text
        schedule = await self._insert(caller, spec, args.name, request, now)
        _log("create", caller, schedule.name)
        return {**schedule_view(schedule), "understood_as": parsed.description}

    async def update_schedule(self, caller: Caller, args: UpdateScheduleArgs) -> ToolResult:
        """Change a schedule's name, time, text, channel or timezone. A new timezone alone
        keeps the wall-clock time (9:00 stays 9:00, in the new zone)."""
        fields = args.model_dump(exclude={"name"}, exclude_none=True)
        if not fields:
            raise ToolError(
                "nothing to change", "pass at least one of new_name, when, text, channel, timezone"
            )
        schedule = await self._owned(caller, args.name, "change")
        now = self.clock.now()
        changes, understood = await self._changes(caller, schedule, args, now)
        if changes:
            schedule = await self._apply(caller, schedule, changes, now, "update")
            _log("update", caller, schedule.name)
        view = schedule_view(schedule)
        return (view | {"understood_as": understood}) if understood else view

    async def delete_schedule(self, caller: Caller, args: NameArgs) -> ToolResult:
        """Delete a schedule and its run history, for good."""
        schedule = await self._owned(caller, args.name, "delete")
        try:
            await self.store.delete_schedule(
                schedule, self.clock.now(), self._audit(caller, "delete")
            )
        except NotFound as exc:
            raise ToolError(f"{schedule.name!r} was already deleted", "nothing to do") from exc
        _log("delete", caller, schedule.name)
        return schedule_view(schedule) | {
            "next_runs": [],
            "status": "deleted",
            "deleted": schedule.name,
        }

    async def pause_schedule(self, caller: Caller, args: NameArgs) -> ToolResult:
        """Pause a schedule: it stops running until resumed. Times missed while paused
        are skipped, not made up later."""
        return await self._set_enabled(caller, args.name, enabled=False)

    async def resume_schedule(self, caller: Caller, args: NameArgs) -> ToolResult:
        """Resume a paused schedule from its next time after now (no catch-up)."""
        return await self._set_enabled(caller, args.name, enabled=True)

    async def run_schedule_now(self, caller: Caller, args: NameArgs) -> ToolResult:
        """Run a schedule once right now, in addition to its regular times."""
        schedule = await self._owned(caller, args.name, "run")
        await self._check_not_queued(schedule)
        now = self.clock.now()
        run = await self.store.add_manual_run(schedule, now, self._audit(caller, "run"))
        _log("run", caller, schedule.name)
        return schedule_view(schedule) | {"run_id": run.id}

    # -- reads ----------------------------------------------------------------

    async def list_schedules(self, caller: Caller, args: ListSchedulesArgs) -> ToolResult:
        """List the team's schedules (all, the requester's, or one channel's), a page at
        a time, sorted by name."""
        created_by, channel = self._scope(caller, args)
        found = await self.store.list_schedules(
            caller.team_id,
            created_by=created_by,
            channel_id=channel,
            limit=args.page_size + 1,  # one extra row tells whether another page exists
            offset=(args.page - 1) * args.page_size,
        )
        return {
            "schedules": [schedule_view(s) for s in found[: args.page_size]],
            "page": args.page,
            "has_more": len(found) > args.page_size,
        }

    async def get_schedule(self, caller: Caller, args: NameArgs) -> ToolResult:
        """Show one schedule: when it runs next, where it posts, what it does."""
        return schedule_view(await self._find(caller, args.name))

    async def schedule_history(self, caller: Caller, args: HistoryArgs) -> ToolResult:
        """Show a schedule's recent runs, newest first, with status and errors."""
        schedule = await self._find(caller, args.name)
        rows = await self.store.list_runs(
            team_id=caller.team_id, schedule_id=schedule.id, limit=args.limit
        )
        zone = ZoneInfo(schedule.timezone)
        return schedule_view(schedule) | {"runs": [run_view(run, zone) for run, _ in rows]}

    async def preview_when(self, caller: Caller, args: PreviewArgs) -> ToolResult:
        """Check how a time would be understood, without creating anything."""
        now = self.clock.now()
        parsed = _parse(args.when, _zone_name(args.timezone or caller.timezone), now)
        self._check_spacing(parsed.trigger, now)
        return {
            "description": parsed.description,
            "timezone": parsed.trigger.timezone,
            "next_runs": _iso(upcoming(parsed.trigger, now), parsed.trigger.timezone),
            "kind": parsed.trigger.kind,
            "remainder": parsed.remainder,
        }

    # -- the LLM's entry point -----------------------------------------------

    async def call(self, name: str, caller: Caller, arguments: str | dict[str, Any]) -> ToolResult:
        """Validate and run one tool call; a result or {"error", "hint"}, never an exception."""
        tool = self._tools.get(name)
        if tool is None:
            return ToolError(
                f"there is no tool named {name!r}", f"use one of: {', '.join(self._tools)}"
            ).to_dict()
        try:
            args = tool.model.model_validate(_decode(arguments))
            return await tool.run(caller, args)
        except ToolError as exc:
            return exc.to_dict()
        except ValidationError as exc:
            return _invalid(exc).to_dict()
        except Exception:  # the agent loop must get an answer; details go to the log only
            log.exception("tool %s failed", name, extra={"action": "tool_failed", "tool": name})
            return {"error": "the tool failed unexpectedly", "hint": "try again in a moment"}

    def tool_schemas(self) -> list[dict[str, Any]]:
        """OpenAI Chat Completions `tools` entries, generated from the argument models."""
        return [
            {
                "type": "function",
                "function": {
                    "name": name,
                    "description": self._describe(name, tool),
                    "parameters": _json_schema(tool.model),
                },
            }
            for name, tool in self._tools.items()
        ]

    def _describe(self, name: str, tool: _Tool) -> str:
        text = " ".join(tool.description.split())
        if name == "create_schedule" and self.workflows:
            text += f" Workflows available: {', '.join(sorted(self.workflows))}."
        return text

    # -- lookups and permission ------------------------------------------------

    async def _find(self, caller: Caller, name: str) -> Schedule:
        """The caller's team's schedule by name as written, else by its slug."""
        for candidate in dict.fromkeys((name, slugify(name))):
            if candidate and (found := await self._get(caller.team_id, candidate)):
                return found
        raise ToolError(f"there is no schedule named {name!r}", await self._name_hint(caller, name))

    async def _get(self, team_id: str, name: str) -> Schedule | None:
        try:
            return await self.store.get_schedule(team_id, name)
        except NotFound:
            return None

    async def _name_hint(self, caller: Caller, name: str) -> str:
        names = [s.name for s in await self.store.list_schedules(caller.team_id, limit=500)]
        close = difflib.get_close_matches(name.lower(), names, n=3)
        if close:
            return f"did you mean {' or '.join(repr(c) for c in close)}?"
        return "list_schedules shows the names in use"

    async def _owned(self, caller: Caller, name: str, verb: str) -> Schedule:
        """The schedule, if the caller created it or is an admin."""
        schedule = await self._find(caller, name)
        if caller.is_admin or schedule.created_by == caller.user_id:
            return schedule
        raise ToolError(
            f"only <@{schedule.created_by}>, who created {schedule.name!r}, or an admin "
            f"can {verb} it",
            "ask them or a workspace admin to do it",
        )

    # -- checks ------------------------------------------------------------------

    def _action(
        self, kind: str, text: str, window_hours: int, workflow: str | None
    ) -> dict[str, Any]:
        """The stored action arguments, or a refusal."""
        self._check_text(kind, text)
        if workflow is not None and kind != "workflow":
            raise ToolError(
                "`workflow` only goes with action=workflow",
                "set action to workflow, or leave workflow out",
            )
        if kind == "workflow":
            self._check_workflow(workflow)
        return {
            "text": text,
            "window_hours": window_hours if kind == "digest" else None,
            "workflow": workflow if kind == "workflow" else None,
        }

    def _check_text(self, kind: str, text: str) -> None:
        if len(text) > self.quotas.max_text:
            raise ToolError(
                f"the text is {len(text)} characters; the limit is {self.quotas.max_text}",
                "shorten it, or split it across schedules",
            )
        if kind in ("message", "agent") and not text:
            what = "message to post" if kind == "message" else "prompt to run"
            raise ToolError(f"a {kind} schedule needs text", f"put the {what} in `text`")

    def _check_workflow(self, workflow: str | None) -> None:
        if workflow in self.workflows:
            return
        available = ", ".join(sorted(self.workflows))
        hint = f"use one of: {available}" if available else "no workflows are set up here"
        if workflow is None:
            raise ToolError("say which workflow to run", hint)
        raise ToolError(f"there is no workflow named {workflow!r}", hint)

    def _check_spacing(self, trigger: AnyTrigger, now: datetime) -> None:
        gap = shortest_gap(trigger, now)
        floor = timedelta(seconds=self.quotas.min_interval_s)
        if gap is not None and gap < floor:
            raise ToolError(
                f"that runs every {_span(gap)}; a schedule may run at most every {_span(floor)}",
                f"choose a time at least {_span(floor)} apart, e.g. hourly",
            )

    async def _target_channel(self, caller: Caller, raw: str | None) -> str:
        """The channel to post in, if the caller is a member of it."""
        channel = channel_id(raw) if raw is not None else caller.channel_id
        if channel is None:
            raise ToolError("no channel given", CHANNEL_HINT)
        if not await self.membership.is_member(caller.team_id, channel, caller.user_id):
            raise ToolError(
                f"the requester is not a member of <#{channel}>",
                "schedules can only post into channels you are in: join it, or pick another",
            )
        return channel

    async def _check_user_quota(self, caller: Caller) -> None:
        count = await self.store.count_schedules(caller.team_id, created_by=caller.user_id)
        if count >= self.quotas.max_per_user:
            raise ToolError(
                f"you already have {count} schedules (the limit is {self.quotas.max_per_user})",
                "delete one you no longer need (list_schedules with scope=mine)",
            )

    async def _check_channel_quota(self, team_id: str, channel: str) -> None:
        count = await self.store.count_schedules(team_id, channel_id=channel)
        if count >= self.quotas.max_per_channel:
            raise ToolError(
                f"<#{channel}> already has {count} schedules "
                f"(the limit is {self.quotas.max_per_channel})",
                "delete or reuse one of them (list_schedules with scope=channel)",
            )

    async def _check_not_queued(self, schedule: Schedule) -> None:
        """Refuse a second run-now while one waits (a double-clicked button)."""
        pending = await self.store.list_runs(schedule_id=schedule.id, status="pending", limit=20)
        if any(run.trigger == "manual" for run, _ in pending):
            raise ToolError(
                f"a run of {schedule.name!r} is already queued",
                "wait for it to finish; schedule_history shows its status",
            )

    def _scope(self, caller: Caller, args: ListSchedulesArgs) -> tuple[str | None, str | None]:
        """(created_by, channel_id) filters for a listing."""
        created_by = caller.user_id if args.scope == "mine" else None
        if args.channel is not None:
            return created_by, channel_id(args.channel)
        if args.scope != "channel":
            return created_by, None
        if caller.channel_id is None:
            raise ToolError("which channel?", CHANNEL_HINT)
        return created_by, caller.channel_id

    # -- writing -------------------------------------------------------------------

    def _audit(self, caller: Caller, action: str) -> AuditEntry:
        return AuditEntry(team_id=caller.team_id, actor=caller.user_id, action=action)

    async def _insert(
        self, caller: Caller, spec: ScheduleSpec, name: str | None, request: str, now: datetime
    ) -> Schedule:
        """Create under the given name, or under a free one derived from the request."""
        audit = self._audit(caller, "create")
        if name is not None:
            wanted = checked_name(name)
            try:
                return await self.store.create_schedule(replace(spec, name=wanted), now, audit)
            except Conflict as exc:
                raise await self._name_taken(caller.team_id, wanted) from exc
        base = derive_name(request) or spec.action_kind
        for _ in range(3):  # a concurrent create may take the free name first
            free = await self._free_name(caller.team_id, base)
            try:
                return await self.store.create_schedule(replace(spec, name=free), now, audit)
            except Conflict:
                continue
        raise ToolError(f"could not find a free name like {base!r}", "pass a `name`")

    async def _free_name(self, team_id: str, base: str) -> str:
        for candidate in _suffixed(base):
            if await self._get(team_id, candidate) is None:
                return candidate
        raise ToolError(f"too many schedules are named like {base!r}", "pass a distinct `name`")

    async def _name_taken(self, team_id: str, name: str) -> ToolError:
        free = await self._free_name(team_id, name)
        return ToolError(
            f"a schedule named {name!r} already exists", f"use another name, e.g. {free!r}"
        )

    async def _changes(
        self, caller: Caller, schedule: Schedule, args: UpdateScheduleArgs, now: datetime
    ) -> tuple[dict[str, Any], str | None]:
        """The columns to change, and how a new `when` was understood."""
        changes: dict[str, Any] = {}
        if args.new_name is not None and (name := checked_name(args.new_name)) != schedule.name:
            changes["name"] = name
        trigger, understood = self._new_trigger(schedule, args, now)
        if trigger is not None:
            self._check_spacing(trigger, now)
            changes["trigger"] = trigger
        if args.text is not None and args.text != schedule.action.get("text"):
            self._check_text(schedule.action_kind, args.text)
            changes["action"] = schedule.action | {"text": args.text}
        if args.channel is not None:
            channel = await self._target_channel(caller, args.channel)
            if channel != schedule.channel_id:
                await self._check_channel_quota(caller.team_id, channel)
                changes["channel_id"] = channel
        return changes, understood

    def _new_trigger(
        self, schedule: Schedule, args: UpdateScheduleArgs, now: datetime
    ) -> tuple[AnyTrigger | None, str | None]:
        zone = _zone_name(args.timezone or schedule.timezone)
        if args.when is not None:
            parsed = _parse(args.when, zone, now)
            return parsed.trigger, parsed.description
        if zone == schedule.timezone:
            return None, None
        trigger = reanchor(schedule.trigger, zone)
        if trigger.next_after(now) is None:
            raise ToolError(
                f"in {zone} that time has already passed", "give a new time with `when` as well"
            )
        return trigger, None

    async def _apply(
        self, caller: Caller, schedule: Schedule, changes: dict[str, Any], now: datetime, what: str
    ) -> Schedule:
        """Write `changes` and their audit row in one transaction."""
        try:
            return await self.store.update_schedule(
                schedule, changes, now, self._audit(caller, what)
            )
        except Conflict as exc:
            name = changes.get("name")
            if name and await self._get(caller.team_id, name):
                raise await self._name_taken(caller.team_id, name) from exc
            raise ToolError(
                f"{schedule.name!r} was changed by someone else just now",
                "look at it again, then retry",
            ) from exc

    async def _set_enabled(self, caller: Caller, name: str, *, enabled: bool) -> ToolResult:
        verb = "resume" if enabled else "pause"
        schedule = await self._owned(caller, name, verb)
        if schedule.enabled != enabled:
            # Enabling recomputes the next time from now: paused slots are not backfilled.
            schedule = await self._apply(
                caller, schedule, {"enabled": enabled}, self.clock.now(), verb
            )
            _log(verb, caller, schedule.name)
        return schedule_view(schedule)


# --------------------------------------------------------------------------- views


def schedule_view(schedule: Schedule) -> ToolResult:
    """What every tool says about a schedule."""
    view: ToolResult = {
        "name": schedule.name,
        "description": schedule.trigger.describe(),
        "timezone": schedule.timezone,
        "next_runs": _iso(_schedule_runs(schedule), schedule.timezone),
        "status": schedule.status,
        "channel": schedule.channel_id,
        "action": schedule.action_kind,
        "text": schedule.action.get("text") or "",
        "created_by": schedule.created_by,
        "source": schedule.source,
    }
    if schedule.action_kind == "digest":
        view["window_hours"] = schedule.action.get("window_hours")
    if schedule.action_kind == "workflow":
        view["workflow"] = schedule.action.get("workflow")
    return view


def run_view(run: Run, zone: tzinfo) -> ToolResult:
    def local(instant: datetime | None) -> str | None:
        return instant.astimezone(zone).isoformat() if instant else None

    return {
        "run_id": run.id,
        "scheduled_for": local(run.scheduled_for),
        "trigger": run.trigger,
        "status": run.status,
        "attempt": run.attempt,
        "finished_at": local(run.finished_at),
        "error": run.error,
        "output": run.output,
    }


def _schedule_runs(schedule: Schedule) -> list[datetime]:
    """The stored next slot and the ones after it; none unless active."""
    if schedule.status != "active" or schedule.next_run_at is None:
        return []
    first = schedule.next_run_at
    return [first, *upcoming(schedule.trigger, first, NEXT_RUNS - 1)]


def _iso(instants: list[datetime], zone: str) -> list[str]:
    tz = ZoneInfo(zone)
    return [instant.astimezone(tz).isoformat() for instant in instants]


# --------------------------------------------------------------------------- time


def upcoming(trigger: AnyTrigger, after: datetime, count: int = NEXT_RUNS) -> list[datetime]:
    """Up to `count` fire times strictly after `after`."""
    found: list[datetime] = []
    cursor: datetime | None = after
    while len(found) < count and (cursor := trigger.next_after(cursor)) is not None:
        found.append(cursor)
    return found


def shortest_gap(trigger: AnyTrigger, now: datetime) -> timedelta | None:
    """The smallest spacing among the next fire times; None for a one-off."""
    if isinstance(trigger, OnceTrigger):
        return None
    fires = upcoming(trigger, now, SPACING_SAMPLE)
    return min((b - a for a, b in pairwise(fires)), default=None)


def reanchor(trigger: AnyTrigger, zone: str) -> AnyTrigger:
    """The same wall-clock schedule in another zone."""
    if isinstance(trigger, CronTrigger):
        return CronTrigger(trigger.expr, zone)
    if isinstance(trigger, OnceTrigger):
        return OnceTrigger(_same_wall(trigger.at, trigger.timezone, zone), zone)
    if trigger.unit in ("minutes", "hours"):  # elapsed time: the instants do not move
        return IntervalTrigger(trigger.every, trigger.unit, trigger.anchor, zone)
    anchor = _same_wall(trigger.anchor, trigger.timezone, zone)
    return IntervalTrigger(trigger.every, trigger.unit, anchor, zone)


def _same_wall(instant: datetime, old: str, new: str) -> datetime:
    wall = instant.astimezone(ZoneInfo(old)).replace(tzinfo=None)
    return wall_to_instant(wall, ZoneInfo(new))


def _parse(when: str, zone: str, now: datetime) -> ParsedWhen:
    try:
        return parse_when(when, zone, now)
    except ParseError as exc:
        raise ToolError(exc.message, exc.hint or EXAMPLES) from exc


def _zone_name(name: str) -> str:
    try:
        cron.zone(name)
    except CronError as exc:
        raise ToolError(f"unknown timezone {name!r}", IANA_HINT) from exc
    return name


def _span(gap: timedelta) -> str:
    seconds = int(gap.total_seconds())
    for size, unit in ((86400, "day"), (3600, "hour"), (60, "minute")):
        if seconds >= size and seconds % size == 0:
            count = seconds // size
            return f"{count} {unit}" + ("s" if count != 1 else "")
    return f"{seconds} seconds"


# --------------------------------------------------------------------------- names and channels

_MENTION = re.compile(r"<#([CGD][A-Z0-9]{2,})(?:\|[^>]*)?>")
_CHANNEL_ID = re.compile(r"[CGD][A-Z0-9]{2,}")
_MARKUP = re.compile(r"<[^>]*>|[#@][\w-]+")
_STOPWORDS = frozenset(
    "a an the to in into on at for of and or with about please post send say tell "
    "remind me us our my your this that it message schedule create make set up".split()
)


def channel_id(raw: str) -> str:
    """A channel id from an id or a `<#C123|name>` mention; names need Slack, so refuse them."""
    text = raw.strip()
    if mention := _MENTION.fullmatch(text):
        return mention.group(1)
    if _CHANNEL_ID.fullmatch(text):
        return text
    if text.startswith("#"):
        raise ToolError(f"I can't look up the channel name {text!r} here", CHANNEL_HINT)
    raise ToolError(f"{text!r} is not a channel", CHANNEL_HINT)


def slugify(text: str) -> str:
    """Lower-case words joined by hyphens, at most MAX_NAME characters."""
    slug = re.sub(r"[\W_]+", "-", text.lower()).strip("-")
    if len(slug) > MAX_NAME:
        cut = slug[:MAX_NAME]
        slug = cut.rsplit("-", 1)[0] if "-" in cut else cut
    return slug.strip("-")


def derive_name(request: str, words: int = 3) -> str:
    """A short name from the request's first meaningful words: "standup-reminder"."""
    kept = [w for w in re.findall(r"\w+", _MARKUP.sub(" ", request.lower())) if w not in _STOPWORDS]
    return slugify(" ".join(kept[:words]))


def checked_name(raw: str) -> str:
    name = slugify(raw)
    if not name:
        raise ToolError(f"{raw!r} can't be a name", "use letters or digits, e.g. standup-reminder")
    return name


def _suffixed(base: str) -> Iterator[str]:
    yield base
    for n in range(2, MAX_SUFFIX + 1):
        yield f"{base}-{n}"


def _checked_source(source: str) -> str:
    if source not in SOURCES:
        raise ValueError(f"source must be one of {', '.join(SOURCES)}, got {source!r}")
    return source


# --------------------------------------------------------------------------- call() plumbing


def _decode(arguments: str | dict[str, Any]) -> dict[str, Any]:
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


def _invalid(exc: ValidationError) -> ToolError:
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


def _json_schema(model: type[_Args]) -> dict[str, Any]:
    """The model's JSON schema without pydantic's auto titles (noise for the LLM)."""
    schema = model.model_json_schema()
    schema.pop("title", None)
    for prop in schema.get("properties", {}).values():
        prop.pop("title", None)
    return schema


def _log(action: str, caller: Caller, name: str) -> None:
    log.info(
        "%s %s",
        action,
        name,
        extra={"action": action, "schedule": name, "team": caller.team_id, "user": caller.user_id},
    )
