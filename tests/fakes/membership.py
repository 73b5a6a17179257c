"""A `Membership` answered from sets, for tests that run SchedulerTools without Slack."""

from __future__ import annotations

from collections.abc import Collection


class Members:
    """Everyone is in every channel and the bot reads them all, unless told otherwise.

    `outside`: channels the requester is not in; `unreadable`: channels the bot
    is not in; `people`: the user ids that are active people (default: any U… id).
    """

    def __init__(
        self,
        outside: Collection[str] = (),
        unreadable: Collection[str] = (),
        people: Collection[str] | None = None,
    ) -> None:
        self.outside = frozenset(outside)
        self.unreadable = frozenset(unreadable)
        self.people = None if people is None else frozenset(people)

    async def is_member(self, team_id: str, channel_id: str, user_id: str) -> bool:
        return channel_id not in self.outside

    async def is_person(self, team_id: str, user_id: str) -> bool:
        return user_id.startswith("U") if self.people is None else user_id in self.people

    async def bot_can_read(self, team_id: str, channel_id: str) -> bool:
        return channel_id not in self.unreadable
