"""What an update changes: the columns to write, each checked like a create.

One `update_schedule` call changes any of a schedule's name, time, text,
target, timezone, and a digest's source and window. Only what is named
changes: a new `when` is read as a change to the current trigger ("9:30"
keeps the days, "fridays" the time, bounds stay; a whole schedule replaces
it), in the schedule's zone or the new one when `timezone` is given too; a
new timezone alone keeps the wall-clock time; and moving a digest whose
source was its old channel keeps summarizing that channel. `Updates`
sits between `Policy` and `SchedulerTools`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from scheduler.records import Schedule
from scheduler.triggers import AnyTrigger, reanchor
from tools.caller import Caller
from tools.scheduler_tools.args import UpdateScheduleArgs
from tools.scheduler_tools.errors import ToolError
from tools.scheduler_tools.names import checked_name, checked_zone
from tools.scheduler_tools.policy import Policy
from tools.scheduler_tools.when import read_when
from tools.timeparse import ParsedWhen

DIGEST_ONLY = ("source_channel", "window_hours")


class Updates(Policy):
    """The checked changes of one update."""

    async def _changes(
        self, caller: Caller, schedule: Schedule, args: UpdateScheduleArgs, now: datetime
    ) -> tuple[dict[str, Any], ParsedWhen | None]:
        """The columns to change, and how a new `when` was read."""
        changes: dict[str, Any] = {}
        if args.new_name is not None and (name := checked_name(args.new_name)) != schedule.name:
            changes["name"] = name
        trigger, parsed = self._new_trigger(schedule, args, now)
        if trigger is not None:
            self._check_spacing(trigger, now)
            changes["trigger"] = trigger
        target = schedule.channel_id
        if args.channel is not None:
            target = await self._target(caller, args.channel)
        action = await self._new_action(caller, schedule, args, target)
        if action != schedule.action:
            changes["action"] = action
        if target != schedule.channel_id:
            await self._check_channel_quota(caller.team_id, target)
            changes["channel_id"] = target
        return changes, parsed

    def _new_trigger(
        self, schedule: Schedule, args: UpdateScheduleArgs, now: datetime
    ) -> tuple[AnyTrigger | None, ParsedWhen | None]:
        zone = checked_zone(args.timezone or schedule.timezone)
        if args.when is not None:
            parsed = read_when(args.when, zone, now, schedule.trigger)
            return parsed.trigger, parsed
        if zone == schedule.timezone:
            return None, None
        trigger = reanchor(schedule.trigger, zone)
        if trigger.next_after(now) is None:
            raise ToolError(
                f"in {zone} that time has already passed", "give a new time with `when` as well"
            )
        return trigger, None

    async def _new_action(
        self, caller: Caller, schedule: Schedule, args: UpdateScheduleArgs, target: str
    ) -> dict[str, Any]:
        """The action arguments after the update (a digest's source and window included)."""
        action = dict(schedule.action)
        if args.text is not None and args.text != action.get("text"):
            self._check_text(schedule.action_kind, args.text)
            action["text"] = args.text
        if schedule.action_kind != "digest":
            if given := [f for f in DIGEST_ONLY if getattr(args, f) is not None]:
                raise ToolError(
                    f"`{'` and `'.join(given)}` only go with digests",
                    f"{schedule.name!r} is a {schedule.action_kind} schedule: leave them out",
                )
            return action
        if args.window_hours is not None:
            action["window_hours"] = args.window_hours
        if args.source_channel is not None:
            action["source_channel"] = await self._source(caller, args.source_channel, target)
        elif target != schedule.channel_id:
            # Moving keeps what it summarizes: a digest stored without a source read its channel.
            action["source_channel"] = action.get("source_channel") or schedule.channel_id
            await self._check_reader(caller, action["source_channel"], target)
        return action
