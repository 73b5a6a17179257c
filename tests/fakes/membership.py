"""A `Membership` answered from sets, for tests that run SchedulerTools without Slack."""

from __future__ import annotations

from collections.abc import Collection


class FakeMembership:
    """Slack as sets: who is in which channel, who is a person, where the bot can read.

    `pairs`: the (channel, user) memberships; None means everyone is in every
    channel except those in `outside`. `people`: the user ids that are active
    people (None: any U… id). `readable`: the channels the bot is in (None:
    all but `unreadable`).
    """

    def __init__(
        self,
        pairs: Collection[tuple[str, str]] | None = None,
        *,
        people: Collection[str] | None = None,
        readable: Collection[str] | None = None,
        outside: Collection[str] = (),
        unreadable: Collection[str] = (),
    ) -> None:
        self.pairs = None if pairs is None else set(pairs)
        self.people = None if people is None else set(people)
        self.readable = None if readable is None else set(readable)
        self.outside = frozenset(outside)
        self.unreadable = frozenset(unreadable)

    async def is_member(self, team_id: str, channel_id: str, user_id: str) -> bool:
        if self.pairs is None:
            return channel_id not in self.outside
        return (channel_id, user_id) in self.pairs

    async def is_person(self, team_id: str, user_id: str) -> bool:
        return user_id.startswith("U") if self.people is None else user_id in self.people

    async def bot_can_read(self, team_id: str, channel_id: str) -> bool:
        if self.readable is None:
            return channel_id not in self.unreadable
        return channel_id in self.readable
