"""What a `/tock` command (or a plain request) says, once read: the records.

`bot.commands.grammar` reads text into a `SlashCommand`; `bot.commands.handler`
runs it; `bot.commands.format` writes one back as `/tock …` text.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Literal

from bot.commands.verbs import Command

Kind = Literal["create", "list", "tz", "help", "edit", "when", "run-workflow"] | Command
Scope = Literal["mine", "channel", "all"]
Action = Literal["message", "agent", "digest", "workflow"]
ChannelResolver = Callable[[str], Awaitable[str | None]]
ME = "me"  # a ChannelRef.user meaning the person asking


@dataclass(frozen=True)
class ChannelRef:
    """Where a post goes, as typed.

    A Slack link carries its `id`, a plain `#name` only its `name`. A person
    (`user`: a user id, or `ME` for whoever asks) means their DM with the app.
    """

    id: str | None = None
    name: str | None = None
    user: str | None = None

    def typed(self) -> str:
        if self.user:
            return "me" if self.user == ME else f"<@{self.user}>"
        return f"#{self.name}" if self.name else f"<#{self.id}>"


@dataclass(frozen=True)
class SlashCommand:
    kind: Kind
    name: str | None = None  # the schedule a named command is about
    when: str | None = None  # create/edit: the text the time is read from
    text: str | None = None  # create/edit: the message (or an agent's prompt)
    channel: ChannelRef | None = None  # create/edit: the target; list: scope=channel
    scope: Scope | None = None  # list
    timezone: str | None = None  # tz: the zone to set; None shows the current one
    action: Action = "message"  # create: what the schedule does
    source: ChannelRef | None = None  # digest: the channel it summarizes
    window_hours: int | None = None  # digest: how far back it reads
    workflow: str | None = None  # workflow / run-workflow: which one


class SlashError(Exception):
    """The text is not a command we can run: `message` says why, `example` what works."""

    def __init__(self, message: str, example: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.example = example


Choice = tuple[str, SlashCommand]  # a reading's label, and the command it makes


class Unclear(SlashError):
    """The time had two readings: `message` asks which, `choices` are the commands."""

    def __init__(self, message: str, choices: tuple[Choice, ...]) -> None:
        super().__init__(message)
        self.choices = choices
