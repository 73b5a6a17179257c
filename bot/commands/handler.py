"""`/tock`: running a parsed command for a caller, every outcome a `Reply`.

`handle_slash` parses with `bot.commands.grammar` and calls SchedulerTools
as the person who typed the command; refusals (a grammar error, a tool's
`{"error", "hint"}`) become short replies with an example that works.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from pydantic import ValidationError

from bot.commands.grammar import (
    EXAMPLE,
    HELP,
    ChannelRef,
    ChannelResolver,
    SlashCommand,
    SlashError,
    _shown,
    parse_slash,
)
from bot.commands.verbs import BY_COMMAND
from bot.slack.blocks import escape, section, text_reply, tool_reply
from bot.slack.ids import CHANNEL_ID
from bot.slack.reply import Reply
from tools.scheduler_tools import (
    Caller,
    CreateScheduleArgs,
    ListSchedulesArgs,
    SchedulerTools,
    TimezoneArgs,
    ToolError,
)


@dataclass(frozen=True)
class _Context:
    caller: Caller
    tools: SchedulerTools
    resolve_channel: ChannelResolver | None


async def handle_slash(
    text: str,
    caller: Caller,
    tools: SchedulerTools,
    *,
    resolve_channel: ChannelResolver | None = None,
) -> Reply:
    """Run one `/tock` command for `caller`; every outcome is a `Reply`."""
    ctx = _Context(caller, tools, resolve_channel)
    try:
        command = parse_slash(text, tz=caller.timezone, now=tools.clock.now())
        return await _RUNNERS[command.kind](command, ctx)
    except SlashError as err:
        return slash_error_reply(err)
    except ToolError as err:
        return tool_reply("", err.to_dict())
    except ValidationError as err:
        return tool_reply("", _invalid(err))


def slash_error_reply(err: SlashError) -> Reply:
    """What went wrong, an example that works, then the help."""
    lines = [f":warning: {escape(err.message)}"]
    if err.example:
        lines.append(f"Try: `{escape(err.example)}`")
    text = "\n".join(lines)
    return Reply(text=f"{err.message} Try: {err.example}", blocks=[section(text), section(HELP)])


def help_reply() -> Reply:
    return text_reply(HELP)


async def channel_id(ref: ChannelRef, resolve: ChannelResolver | None) -> str:
    """The id for a typed channel, asking the host to look up a plain `#name`."""
    if ref.id:
        return ref.id
    found = await resolve(ref.name or "") if resolve else None
    if not found or not CHANNEL_ID.fullmatch(found):
        raise SlashError(
            f"I can't find #{_shown(ref.name or '')}. Pick it from Slack's channel list so it "
            "becomes a link, and make sure I'm invited.",
            EXAMPLE,
        )
    return found


def _invalid(err: ValidationError) -> dict[str, str]:
    fields = ", ".join(".".join(map(str, e["loc"])) for e in err.errors(include_input=False))
    return {"error": f"That doesn't fit: {fields}.", "hint": f"Try: {EXAMPLE}"}


async def _create(command: SlashCommand, ctx: _Context) -> Reply:
    channel = await channel_id(command.channel, ctx.resolve_channel) if command.channel else None
    args = CreateScheduleArgs(when=command.when or "", text=command.text or "", channel=channel)
    result = await ctx.tools.create_schedule(ctx.caller, args, source="slash")
    return tool_reply("create_schedule", result)


async def _list(command: SlashCommand, ctx: _Context) -> Reply:
    channel = await channel_id(command.channel, ctx.resolve_channel) if command.channel else None
    args = ListSchedulesArgs(scope=command.scope or "all", channel=channel)
    return tool_reply("list_schedules", await ctx.tools.list_schedules(ctx.caller, args))


async def _named(command: SlashCommand, ctx: _Context) -> Reply:
    tool = BY_COMMAND[command.kind].tool
    return tool_reply(tool, await ctx.tools.call(tool, ctx.caller, {"name": command.name}))


async def _tz(command: SlashCommand, ctx: _Context) -> Reply:
    if command.timezone is None:
        current = escape(ctx.caller.timezone)
        return text_reply(f"Your timezone is *{current}*. Change it with `/tock tz Europe/Berlin`.")
    changed = await ctx.tools.set_timezone(ctx.caller, TimezoneArgs(timezone=command.timezone))
    zone = changed["timezone"]
    return text_reply(
        f"Your timezone is now *{zone}*. Times you write without a zone are read "
        "in it; existing schedules keep theirs."
    )


async def _help(_command: SlashCommand, _ctx: _Context) -> Reply:
    return help_reply()


_RUNNERS: dict[str, Callable[[SlashCommand, _Context], Awaitable[Reply]]] = {
    "create": _create,
    "list": _list,
    "tz": _tz,
    "help": _help,
} | {command: _named for command in BY_COMMAND}
