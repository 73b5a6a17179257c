"""Many rows in one statement: `BulkUpdate` (each row its own values),
`BulkInsert` (insert-or-skip many rows) and `among` (a list of keys bound as
one parameter).

Postgres: one `UPDATE t SET c = v.c FROM unnest(CAST(:c AS type[]), ...) AS
v(...) WHERE t.key = v.key AND <where>`, however many rows: one round trip
and one plan (an executemany costs a statement per row on the server).
It says which rows it updated with `RETURNING key`, with `where` evaluated on
the row as it is once locked, so a fence in `where` holds against a racing
writer. SQLite: the same UPDATE as an executemany, which the driver runs
in-process, so there are no round trips to save; it cannot say which rows
matched, so when asked it first selects the keys that pass `where`, which
nothing can change before the update under `BEGIN IMMEDIATE`.

`BulkInsert` likewise: `INSERT ... SELECT * FROM unnest(...) ON CONFLICT DO
NOTHING` on Postgres, one SQL text whatever the row count (a multi-row
VALUES list is a new statement to prepare for every count), an executemany
on SQLite.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection


def among(column: sa.ColumnElement[Any], name: str, *, postgres: bool) -> sa.ColumnElement[bool]:
    """`column IN (:name)` for a list bound at execution.

    Postgres: `= ANY(CAST(:name AS type[]))`, one SQL text (so one prepared
    statement) however long the list; SQLite expands the list in place.
    """
    if postgres:
        return column == sa.any_(sa.cast(sa.bindparam(name), ARRAY(column.type)))
    return column.in_(sa.bindparam(name, expanding=True))


class BulkUpdate:
    """`UPDATE table SET columns... WHERE key = row's key AND where`, for many rows.

    `columns` are set from each row (`key` identifies it); `fixed` are set to
    the same value in every row; `where` may use `sa.bindparam`s, given to
    `execute` as keyword arguments.
    """

    def __init__(
        self,
        table: sa.Table,
        key: str,
        columns: Sequence[str],
        *,
        where: Sequence[sa.ColumnElement[bool]] = (),
        fixed: Mapping[str, Any] | None = None,
    ) -> None:
        self._table = table
        self._key = key
        self._columns = [key, *columns]
        fixed = dict(fixed or {})
        unnested = (
            sa.func.unnest(
                *(sa.cast(sa.bindparam(f"v_{c}"), ARRAY(table.c[c].type)) for c in self._columns)
            )
            .table_valued(*self._columns)
            .render_derived(name="v")
        )
        self._postgres = (
            table.update()
            .where(table.c[key] == unnested.c[key], *where)
            .values({c: unnested.c[c] for c in columns} | fixed)
            .returning(table.c[key])
        )
        self._sqlite = (
            table.update()
            .where(table.c[key] == sa.bindparam(f"v_{key}"), *where)
            .values({c: sa.bindparam(f"v_{c}") for c in columns} | fixed)
        )
        self._sqlite_matching = sa.select(table.c[key]).where(
            table.c[key].in_(sa.bindparam("v_keys", expanding=True)), *where
        )

    async def execute(
        self,
        conn: AsyncConnection,
        rows: Sequence[Mapping[str, Any]],
        *,
        returning: bool = False,
        **params: Any,
    ) -> set[Any]:
        """Update `rows` (mappings with `key` and every column); with `returning`,
        the keys updated (on Postgres always)."""
        if not rows:
            return set()
        if conn.dialect.name == "postgresql":
            arrays = {f"v_{c}": [row[c] for row in rows] for c in self._columns}
            return set((await conn.execute(self._postgres, arrays | params)).scalars())
        matched: set[Any] = set()
        if returning:
            keys = [row[self._key] for row in rows]
            found = await conn.execute(self._sqlite_matching, {"v_keys": keys} | params)
            matched = set(found.scalars())
            rows = [row for row in rows if row[self._key] in matched]
        if rows:
            await conn.execute(
                self._sqlite, [{f"v_{c}": row[c] for c in self._columns} | params for row in rows]
            )
        return matched


class BulkInsert:
    """`INSERT INTO table (columns) ... ON CONFLICT (conflict) DO NOTHING`, for many rows.

    Rows are mappings with every one of `columns`; the table's other
    columns are left to their defaults (NULL).
    """

    def __init__(self, table: sa.Table, columns: Sequence[str], conflict: Sequence[str]) -> None:
        self._columns = list(columns)
        unnested = (
            sa.func.unnest(
                *(sa.cast(sa.bindparam(f"v_{c}"), ARRAY(table.c[c].type)) for c in self._columns)
            )
            .table_valued(*self._columns)
            .render_derived(name="v")
        )
        rows = sa.select(*(unnested.c[c] for c in self._columns))
        self._postgres = (
            pg_insert(table)
            .from_select(self._columns, rows)
            .on_conflict_do_nothing(index_elements=list(conflict))
        )
        self._sqlite = sqlite_insert(table).on_conflict_do_nothing(index_elements=list(conflict))

    async def execute(self, conn: AsyncConnection, rows: Sequence[Mapping[str, Any]]) -> None:
        if not rows:
            return
        if conn.dialect.name == "postgresql":
            arrays = {f"v_{c}": [row[c] for row in rows] for c in self._columns}
            await conn.execute(self._postgres, arrays)
        else:
            await conn.execute(self._sqlite, [{c: row[c] for c in self._columns} for row in rows])
