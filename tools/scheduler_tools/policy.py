"""Who may do what, and how much: the checks every `SchedulerTools` action runs.

Lookups see only the caller's team (another team's schedule is "not found");
only a schedule's creator or an admin may change it. A schedule posts into a
channel the requester is in, or by DM to a person: the requester themselves,
or someone `Membership.is_person` vouches for (it stays the requester's
schedule). A digest summarizes a channel the requester is in and the bot can
read, and goes by DM to another person only if they are in that channel too.
Agent schedules need an LLM. The quotas (schedules per user and per target, a
DM counting as a channel; text length; minimum spacing between runs) are
checked before anything is written. `Policy` is the base class of
`SchedulerTools`, which sets the attributes it reads.

Schedules the operator declares (`source="startup"`: schedules.yml, the
setup hook) are changed where they are declared, never from chat, the slash
command or a button: nobody may edit or delete one here, and only an admin
may pause, resume or run it (a re-sync keeps the pause). Once removed from
schedules.yml (retired, paused) it is declared nowhere, so an admin may also
delete it (`operator_refusal`).
"""

from __future__ import annotations

import difflib
from collections.abc import Collection
from datetime import datetime, timedelta
from typing import Any

from scheduler.errors import NotFound
from scheduler.records import Schedule
from scheduler.registration import DECLARED_IN_FILE, DECLARED_IN_SETUP, RETIRED, STARTUP
from scheduler.store import Store
from scheduler.triggers import AnyTrigger, shortest_gap
from tools.caller import Caller, Membership, Quotas
from tools.scheduler_tools.args import ListSchedulesArgs
from tools.scheduler_tools.errors import ToolError
from tools.scheduler_tools.names import (
    CHANNEL_HINT,
    TARGET_HINT,
    Target,
    channel_id,
    is_person_id,
    slugify,
    target_ref,
)

NO_LLM = "an agent schedule needs an LLM, and none is configured here"
NO_LLM_HINT = "set OPENAI_API_KEY, or schedule a message or a digest instead"


class Policy:
    """Lookups, permission and quota checks, shared through inheritance."""

    store: Store
    membership: Membership
    quotas: Quotas
    workflows: Collection[str]  # live: a registry may grow until the engine starts
    llm: bool

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
        """The schedule, if the caller created it or is an admin (and the operator allows)."""
        schedule = await self._find(caller, name)
        found = (schedule.name, schedule.source, schedule.created_by)
        if refusal := operator_refusal(*found, verb, is_admin=caller.is_admin):
            raise refusal
        if caller.is_admin or schedule.created_by == caller.user_id:
            return schedule
        raise ToolError(
            f"only <@{schedule.created_by}>, who created {schedule.name!r}, or an admin "
            f"can {verb} it",
            "ask them or a workspace admin to do it",
        )

    def _action(
        self,
        kind: str,
        text: str,
        window_hours: int,
        workflow: str | None,
        source_channel: str | None = None,
    ) -> dict[str, Any]:
        """The stored action arguments (a digest's source is added later), or a refusal."""
        if kind == "agent" and not self.llm:
            raise ToolError(NO_LLM, NO_LLM_HINT)
        self._check_text(kind, text)
        if workflow is not None and kind != "workflow":
            raise ToolError(
                "`workflow` only goes with action=workflow",
                "set action to workflow, or leave workflow out",
            )
        if source_channel is not None and kind != "digest":
            raise ToolError(
                "`source_channel` only goes with action=digest",
                "set action to digest, or leave source_channel out",
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

    async def _target(self, caller: Caller, raw: str | None) -> str:
        """Where to post: a channel the caller is in, or a person's DM (their id)."""
        if raw is not None:
            target = target_ref(raw, caller.user_id)
        elif caller.channel_id is not None:
            target = Target("channel", caller.channel_id)
        else:
            raise ToolError("no channel given", TARGET_HINT)
        if target.kind == "dm":
            await self._check_person(caller, target.id)
        else:
            await self._check_member(
                caller, target.id, "schedules can only post into channels you are in"
            )
        return target.id

    async def _check_person(self, caller: Caller, user_id: str) -> None:
        """Anyone may DM themselves; another person must be a real, active one."""
        if user_id == caller.user_id or await self.membership.is_person(caller.team_id, user_id):
            return
        raise ToolError(
            f"<@{user_id}> is not an active person in this workspace",
            "a schedule can send DMs only to people here: mention someone else, "
            "or post to a channel",
        )

    async def _check_member(self, caller: Caller, channel: str, why: str) -> None:
        if not await self.membership.is_member(caller.team_id, channel, caller.user_id):
            raise ToolError(
                f"the requester is not a member of <#{channel}>", f"{why}: join it, or pick another"
            )

    async def _source(self, caller: Caller, raw: str | None, target: str) -> str:
        """The channel a digest summarizes (default: its target): one the caller is in
        and the bot can read."""
        source = channel_id(raw) if raw is not None else target
        if is_person_id(source):
            raise ToolError(
                "a digest sent by DM needs a channel to summarize",
                "name it in source_channel, e.g. <#C0123ABC|support>",
            )
        await self._check_member(caller, source, "a digest can only summarize a channel you are in")
        if not await self.membership.bot_can_read(caller.team_id, source):
            raise ToolError(f"I can't read <#{source}>", "invite me there with /invite @tock")
        await self._check_reader(caller, source, target)
        return source

    async def _check_reader(self, caller: Caller, source: str, target: str) -> None:
        """A digest goes by DM to another person only if they may read its channel too."""
        if not is_person_id(target) or target == caller.user_id:
            return
        if not await self.membership.is_member(caller.team_id, source, target):
            raise ToolError(
                f"<@{target}> is not a member of <#{source}>, so can't get its digest",
                "send it to yourself or into a channel, or pick a channel they are in",
            )

    async def _check_user_quota(self, caller: Caller) -> None:
        count = await self.store.count_schedules(caller.team_id, created_by=caller.user_id)
        if count >= self.quotas.max_per_user:
            raise ToolError(
                f"you already have {count} schedules (the limit is {self.quotas.max_per_user})",
                "delete one you no longer need (list_schedules with scope=mine)",
            )

    async def _check_channel_quota(self, team_id: str, channel: str) -> None:
        """A channel, or a person's DM, holds at most `max_per_channel` schedules."""
        count = await self.store.count_schedules(team_id, channel_id=channel)
        if count >= self.quotas.max_per_channel:
            where = f"<@{channel}>'s DM" if is_person_id(channel) else f"<#{channel}>"
            raise ToolError(
                f"{where} already has {count} schedules "
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
            return created_by, target_ref(args.channel, caller.user_id).id
        if args.scope != "channel":
            return created_by, None
        if caller.channel_id is None:
            raise ToolError("which channel?", CHANNEL_HINT)
        return created_by, caller.channel_id


_DECLARED_IN = {
    DECLARED_IN_FILE: (
        "in schedules.yml",
        "edit schedules.yml, then restart Tock or run `tock schedules sync`",
    ),
    DECLARED_IN_SETUP: ("in its setup hook (TOCK_APP)", "change the setup hook, then restart Tock"),
    RETIRED: ("in schedules.yml and then removed from it", "add it to schedules.yml again"),
}
_DONE = {"change": "changed", "delete": "deleted"}
_ADMIN_MAY = {RETIRED: "resume or delete it"}


def declared_where(created_by: str) -> str:
    """Where the operator declared a startup schedule: "in schedules.yml", ..."""
    return _DECLARED_IN.get(created_by, ("by Tock itself", ""))[0]


def operator_refusal(
    name: str, source: str, created_by: str, verb: str, *, is_admin: bool
) -> ToolError | None:
    """Why `verb` may not touch an operator-declared schedule here; None when it may."""
    if source != STARTUP:
        return None
    where, fix = _DECLARED_IN.get(created_by, ("by Tock itself", "nothing to change here"))
    if verb == "change" or (verb == "delete" and created_by != RETIRED):
        return ToolError(
            f"{name!r} is declared by the operator {where}, so it can't be {_DONE[verb]} here",
            f"to change it, {fix}; an admin can {_ADMIN_MAY.get(created_by, 'pause or resume it')}",
        )
    if not is_admin:
        return ToolError(
            f"only an admin can {verb} {name!r}: it is declared by the operator {where}",
            "ask a workspace admin to do it",
        )
    return None


def _span(gap: timedelta) -> str:
    seconds = int(gap.total_seconds())
    for size, unit in ((86400, "day"), (3600, "hour"), (60, "minute")):
        if seconds >= size and seconds % size == 0:
            count = seconds // size
            return f"{count} {unit}" + ("s" if count != 1 else "")
    return f"{seconds} seconds"
