"""`/tock`: running a parsed command for a caller, every outcome a `Reply`.

`handle_slash` parses with `bot.commands.grammar` and calls SchedulerTools
as the person who typed the command; refusals (a grammar error, a tool's
`{"error", "hint"}`) become short replies with an example that works.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace

from pydantic import ValidationError

from bot.commands.command import (
    ME,
    ChannelRef,
    ChannelResolver,
    SlashCommand,
    SlashError,
    Unclear,
)
from bot.commands.format import format_command
from bot.commands.grammar import EXAMPLE, HELP, _shown, parse_slash
from bot.commands.verbs import BY_COMMAND
from bot.slack.blocks import next_runs_reply, text_reply, tool_reply
from bot.slack.ids import CHANNEL_ID
from bot.slack.mrkdwn import escape, section
from bot.slack.reply import Reply
from tools.scheduler_tools import (
    Caller,
    CreateScheduleArgs,
    ListSchedulesArgs,
    NameArgs,
    RunWorkflowArgs,
    SchedulerTools,
    TimezoneArgs,
    ToolError,
    UpdateScheduleArgs,
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
    now = tools.clock.now()
    try:
        command = parse_slash(text, tz=caller.timezone, now=now)
        return await _RUNNERS[command.kind](command, ctx)
    except Unclear as err:
        return choices_reply(err, caller.timezone)
    except SlashError as err:
        return slash_error_reply(err)
    except ToolError as err:
        if options := getattr(err, "options", ()):  # two readings: offer both as commands
            choices = tuple((o["label"], replace(command, when=o["when"])) for o in options)
            return choices_reply(Unclear(err.error, choices), caller.timezone)
        return tool_reply("", err.to_dict())
    except ValidationError as err:
        return tool_reply("", _invalid(err))


def choices_reply(err: Unclear, tz: str) -> Reply:
    """The question, and each reading as the command that means it (typed, so as text)."""
    commands = [(label, format_command(command, tz)) for label, command in err.choices]
    lines = [f":thinking_face: {escape(err.message)}"]
    lines += [f"• {escape(label)}: `{escape(command)}`" for label, command in commands]
    plain = f"{err.message} " + " or ".join(command for _, command in commands)
    return Reply(text=plain, blocks=[section("\n".join(lines))])


def slash_error_reply(err: SlashError) -> Reply:
    """What went wrong and an example that works, then the help."""
    lines = [f":warning: {escape(err.message)}"]
    if err.example:
        lines.append(f"Try: `{escape(err.example)}`")
    text = "\n".join(lines)
    return Reply(text=f"{err.message} Try: {err.example}", blocks=[section(text), section(HELP)])


def help_reply() -> Reply:
    return text_reply(HELP)


async def channel_id(
    ref: ChannelRef, resolve: ChannelResolver | None, caller: Caller | None = None
) -> str:
    """The id for a typed channel or person; a plain `#name` is looked up by the host.

    A person is their user id (their DM with the app): `me` is the caller.
    "This channel" (no id, no name) is where the caller asked.
    """
    if ref.user:
        return caller.user_id if ref.user == ME and caller else ref.user
    if ref.id:
        return ref.id
    if not ref.name and caller is not None and caller.channel_id:
        return caller.channel_id
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


async def create_args(
    command: SlashCommand, caller: Caller, resolve: ChannelResolver | None
) -> CreateScheduleArgs:
    """What a create command asks the tools for, with its channels resolved to ids."""
    channel = await channel_id(command.channel, resolve, caller) if command.channel else None
    text = command.text or ""
    if channel and channel != caller.user_id and command.channel and command.channel.user:
        text = f"{text} (from <@{caller.user_id}>)"  # a DM from the app: say who set it
    fields: dict[str, object] = {"when": command.when or "", "text": text, "channel": channel}
    if command.action != "message":
        fields["action"] = command.action
    if command.source is not None:
        fields["source_channel"] = await channel_id(command.source, resolve, caller)
    if command.window_hours is not None:
        fields["window_hours"] = command.window_hours
    if command.workflow is not None:
        fields["workflow"] = command.workflow
    return CreateScheduleArgs.model_validate(fields)


async def _create(command: SlashCommand, ctx: _Context) -> Reply:
    args = await create_args(command, ctx.caller, ctx.resolve_channel)
    result = await ctx.tools.create_schedule(ctx.caller, args, source="slash")
    return tool_reply("create_schedule", result)


async def _edit(command: SlashCommand, ctx: _Context) -> Reply:
    channel = command.channel
    fields: dict[str, object] = {"name": command.name, "when": command.when, "text": command.text}
    if channel is not None:
        fields["channel"] = await channel_id(channel, ctx.resolve_channel, ctx.caller)
    args = UpdateScheduleArgs.model_validate({k: v for k, v in fields.items() if v is not None})
    return tool_reply("update_schedule", await ctx.tools.update_schedule(ctx.caller, args))


async def _run_workflow(command: SlashCommand, ctx: _Context) -> Reply:
    fields: dict[str, object] = {"workflow": command.workflow}
    if command.channel is not None:
        fields["channel"] = await channel_id(command.channel, ctx.resolve_channel, ctx.caller)
    result = await ctx.tools.run_workflow(ctx.caller, RunWorkflowArgs.model_validate(fields))
    return tool_reply("run_workflow", result)


async def _when(command: SlashCommand, ctx: _Context) -> Reply:
    return next_runs_reply(await ctx.tools.get_schedule(ctx.caller, NameArgs(name=command.name)))


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
    "edit": _edit,
    "when": _when,
    "run-workflow": _run_workflow,
} | {command: _named for command in BY_COMMAND}
