"""`SchedulerTools`: the actions, their writes and reads, and the LLM's entry point.

Each public method is one tool: its docstring is the description the LLM
sees, its argument model the schema. Writes go through the store with an
audit row in the same transaction; the checks they run (`Policy`) come first.
`call()` validates and runs a tool call by name and raises nothing but
`StoreUnavailable`.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Awaitable, Callable, Collection
from dataclasses import replace
from datetime import datetime
from typing import Any, Literal, get_args
from zoneinfo import ZoneInfo

from pydantic import ValidationError

from scheduler.clock import Clock
from scheduler.errors import Conflict, NotFound, StoreUnavailable
from scheduler.records import Schedule, ScheduleSpec
from scheduler.store import AuditEntry, Store
from tools.caller import Caller, Membership, Quotas
from tools.scheduler_tools.args import (
    Args,
    CreateScheduleArgs,
    HistoryArgs,
    ListSchedulesArgs,
    NameArgs,
    PreviewArgs,
    RunWorkflowArgs,
    TimezoneArgs,
    UpdateScheduleArgs,
)
from tools.scheduler_tools.calls import Tool, decode, invalid, json_schema
from tools.scheduler_tools.errors import ToolError
from tools.scheduler_tools.names import checked_name, checked_zone, derive_name, suffixed
from tools.scheduler_tools.ondemand import OnDemand
from tools.scheduler_tools.updates import Updates
from tools.scheduler_tools.views import ToolResult, iso, run_view, schedule_view, step_view
from tools.scheduler_tools.when import noted, read_when

# Named for the package, not this module: records keep the logger name they had before the split.
log = logging.getLogger("tools.scheduler_tools")

Source = Literal["chat", "slash", "button", "cli", "startup"]
SOURCES: tuple[str, ...] = get_args(Source)
DEFAULT_QUOTAS = Quotas()
CHANGEABLE = tuple(f for f in UpdateScheduleArgs.model_fields if f != "name")
STEPPED = frozenset({"workflow", "digest"})  # action kinds whose runs are workflows


class SchedulerTools(Updates, OnDemand):
    """The tools, bound to a store, a clock, Slack membership, quotas and workflows;
    `llm` says whether agent schedules can run here."""

    def __init__(
        self,
        store: Store,
        clock: Clock,
        membership: Membership,
        quotas: Quotas = DEFAULT_QUOTAS,
        workflows: Collection[str] = (),
        *,
        source: Source = "chat",
        llm: bool = False,
    ) -> None:
        self.store = store
        self.clock = clock
        self.membership = membership
        self.quotas = quotas
        self.workflows = workflows
        self.source = _checked_source(source)
        self.llm = llm
        self._tools = self._registry()

    def _registry(self) -> dict[str, Tool]:
        handlers: list[tuple[type[Args], Callable[[Caller, Any], Awaitable[ToolResult]]]] = [
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
            (TimezoneArgs, self.set_timezone),
            (RunWorkflowArgs, self.run_workflow),
        ]
        return {h.__name__: Tool(m, h, inspect.getdoc(h) or "") for m, h in handlers}

    async def create_schedule(
        self, caller: Caller, args: CreateScheduleArgs, *, source: Source | None = None
    ) -> ToolResult:
        """Create a schedule that posts a message, runs an agent prompt, posts a digest of a
        channel, or runs a workflow, at the times `when` describes, in a channel or by DM to
        a person (channel="me" for the requester: "remind me ..."). `when` takes plain
        English: "every weekday at 9am", "the first Monday of every month at 10am", "every
        other week on Monday and Wednesday", windows ("every hour between 9am and 5pm on
        weekdays"), bounds ("starting next Monday", "until Friday", "6 times"), or cron,
        with L, LW, 5L and 1#1. To change a schedule use update_schedule, one call; never
        delete and re-create it. A refusal with `options` means the time could be read more
        than one way: ask the user to pick one, then retry with its `when`. `notes` in a
        result are warnings to pass on."""
        now = self.clock.now()
        parsed = read_when(args.when, checked_zone(args.timezone or caller.timezone), now)
        action = self._action(
            args.action, args.text, args.window_hours, args.workflow, args.source_channel
        )
        self._check_spacing(parsed.trigger, now)
        channel = await self._target(caller, args.channel)
        if args.action == "digest":
            action["source_channel"] = await self._source(caller, args.source_channel, channel)
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
        return noted({**schedule_view(schedule), "understood_as": parsed.description}, parsed)

    async def update_schedule(self, caller: Caller, args: UpdateScheduleArgs) -> ToolResult:
        """Change a schedule in one call: its name, time (`when`), text, target (a channel,
        or a person for a DM), timezone, or a digest's source_channel and window_hours.
        What is not named stays, in `when` too: a partial change keeps what it does not
        name: '9:30' keeps the days, 'Fridays' keeps the time; a whole schedule ('every
        monday at 10am') replaces it. A new timezone alone keeps the wall-clock time (9:00
        stays 9:00, in the new zone). Never delete and re-create a schedule to change it.
        A refusal with `options`: ask the user to pick."""
        fields = args.model_dump(exclude={"name"}, exclude_none=True)
        if not fields:
            raise ToolError("nothing to change", f"pass at least one of {', '.join(CHANGEABLE)}")
        schedule = await self._owned(caller, args.name, "change")
        now = self.clock.now()
        changes, parsed = await self._changes(caller, schedule, args, now)
        if changes:
            schedule = await self._apply(caller, schedule, changes, now, "update")
            _log("update", caller, schedule.name)
        view = schedule_view(schedule)
        return noted(view | {"understood_as": parsed.description}, parsed) if parsed else view

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
        runs = [run_view(run, zone) for run, _ in rows]
        if schedule.action_kind in STEPPED:  # workflows: each run's steps, so a failure names one
            for view, (run, _) in zip(runs, rows, strict=True):
                view["steps"] = [step_view(s) for s in await self.store.list_steps(run_id=run.id)]
        return schedule_view(schedule) | {"runs": runs}

    async def preview_when(self, caller: Caller, args: PreviewArgs) -> ToolResult:
        """Check how a time would be understood, without creating anything: `when` as for
        create_schedule. A refusal with `options`: ask the user which one they mean."""
        now = self.clock.now()
        parsed = read_when(args.when, checked_zone(args.timezone or caller.timezone), now)
        self._check_spacing(parsed.trigger, now)
        preview = {
            "description": parsed.description,
            "timezone": parsed.trigger.timezone,
            "next_runs": iso(parsed.next_runs, parsed.trigger.timezone),
            "kind": parsed.trigger.kind,
            "remainder": parsed.remainder,
        }
        return noted(preview, parsed)

    async def set_timezone(self, caller: Caller, args: TimezoneArgs) -> ToolResult:
        """Set the requester's own timezone: times they write without a zone are read in it;
        existing schedules keep theirs."""
        zone = checked_zone(args.timezone)
        now = self.clock.now()
        await self.store.set_user_timezone(caller.team_id, caller.user_id, zone, now)
        _log("set_timezone", caller, zone, subject="timezone")
        return {"timezone": zone}

    async def call(self, name: str, caller: Caller, arguments: str | dict[str, Any]) -> ToolResult:
        """Validate and run one tool call; a result or {"error", "hint"}.

        Raises only StoreUnavailable: a database outage is no refusal the caller
        (or a model) can act on, so the host answers it, once, for every entry point.
        """
        tool = self._tools.get(name)
        if tool is None:
            return ToolError(
                f"there is no tool named {name!r}", f"use one of: {', '.join(self._tools)}"
            ).to_dict()
        try:
            args = tool.model.model_validate(decode(arguments))
            return await tool.run(caller, args)
        except ToolError as exc:
            return exc.to_dict()
        except ValidationError as exc:
            return invalid(exc).to_dict()
        except StoreUnavailable:
            raise
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
                    "parameters": json_schema(tool.model),
                },
            }
            for name, tool in self._tools.items()
        ]

    def _describe(self, name: str, tool: Tool) -> str:
        text = " ".join(tool.description.split())
        if name == "create_schedule" and self.workflows:
            text += f" Workflows available: {', '.join(sorted(self.workflows))}."
        return text

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
        for candidate in suffixed(base):
            if await self._get(team_id, candidate) is None:
                return candidate
        raise ToolError(f"too many schedules are named like {base!r}", "pass a distinct `name`")

    async def _name_taken(self, team_id: str, name: str) -> ToolError:
        free = await self._free_name(team_id, name)
        return ToolError(
            f"a schedule named {name!r} already exists", f"use another name, e.g. {free!r}"
        )

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


def _checked_source(source: str) -> str:
    if source not in SOURCES:
        raise ValueError(f"source must be one of {', '.join(SOURCES)}, got {source!r}")
    return source


def _log(action: str, caller: Caller, name: str, *, subject: str = "schedule") -> None:
    log.info(
        "%s %s",
        action,
        name,
        extra={"action": action, subject: name, "team": caller.team_id, "user": caller.user_id},
    )
