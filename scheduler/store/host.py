"""The small key/value tables the host keeps: seen keys (dedupe of
redeliveries), conversations (agent thread memory) and user settings (timezone).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa

from scheduler.store.dialect import Database
from scheduler.store.models import conversations, seen_keys, user_settings


class HostTables(Database):
    """Rows of `seen_keys`, `conversations` and `user_settings`."""

    async def first_time_seen(self, key: str, now: datetime) -> bool:
        """Record `key`; True only for the first caller (dedupes redeliveries)."""
        stmt = self._insert(seen_keys).values(key=key, seen_at=now).on_conflict_do_nothing()
        async with self._tx() as conn:
            return (await conn.execute(stmt)).rowcount == 1

    async def forget_seen(self, before: datetime) -> int:
        """Delete keys seen before `before` (nothing redelivers that late); how many went."""
        stmt = seen_keys.delete().where(seen_keys.c.seen_at < before)
        async with self._tx() as conn:
            return (await conn.execute(stmt)).rowcount

    async def load_conversation(self, key: str) -> list[dict[str, Any]]:
        stmt = sa.select(conversations.c.messages).where(conversations.c.key == key)
        async with self._tx() as conn:
            value = (await conn.execute(stmt)).scalar_one_or_none()
        return list(value or [])

    async def save_conversation(
        self, key: str, team_id: str, messages: list[dict[str, Any]], now: datetime
    ) -> None:
        stmt = self._insert(conversations).values(
            key=key, team_id=team_id, messages=messages, updated_at=now
        )
        stmt = stmt.on_conflict_do_update(
            index_elements=["key"], set_={"messages": messages, "updated_at": now}
        )
        async with self._tx() as conn:
            await conn.execute(stmt)

    async def get_user_timezone(self, team_id: str, user_id: str) -> str | None:
        stmt = sa.select(user_settings.c.timezone).where(
            user_settings.c.team_id == team_id, user_settings.c.user_id == user_id
        )
        async with self._tx() as conn:
            return (await conn.execute(stmt)).scalar_one_or_none()

    async def set_user_timezone(
        self, team_id: str, user_id: str, timezone: str | None, now: datetime
    ) -> None:
        values = {"team_id": team_id, "user_id": user_id, "timezone": timezone, "updated_at": now}
        stmt = self._insert(user_settings).values(values)
        stmt = stmt.on_conflict_do_update(
            index_elements=["team_id", "user_id"], set_={"timezone": timezone, "updated_at": now}
        )
        async with self._tx() as conn:
            await conn.execute(stmt)
