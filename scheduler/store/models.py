"""Tables. Every instant is stored in UTC; SQLite gets naive UTC text."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect

metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


class UTCDateTime(sa.TypeDecorator[datetime]):
    """Aware datetimes in, aware UTC datetimes out, on every dialect."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _reference(name: str, target: str) -> sa.Column[Any]:
    """A required, indexed reference to `target`: the row goes when its target goes."""
    return sa.Column(
        name, BigId, sa.ForeignKey(target, ondelete="CASCADE"), nullable=False, index=True
    )


schedules = sa.Table(
    "schedules",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("team_id", sa.String(64), nullable=False),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("trigger", sa.JSON, nullable=False),
    sa.Column("timezone", sa.String(64), nullable=False),
    sa.Column("action_kind", sa.String(32), nullable=False),
    sa.Column("action", sa.JSON, nullable=False),
    sa.Column("channel_id", sa.String(64)),
    sa.Column("enabled", sa.Boolean, nullable=False, default=True),
    sa.Column("next_run_at", UTCDateTime),
    sa.Column("misfire_grace_s", sa.Integer, nullable=False, default=300),
    sa.Column("catch_up", sa.Boolean, nullable=False, default=True),
    sa.Column("overlap", sa.String(8), nullable=False, default="skip"),
    sa.Column("max_retries", sa.Integer, nullable=False, default=3),
    sa.Column("timeout_s", sa.Integer, nullable=False, default=300),
    sa.Column("created_by", sa.String(64), nullable=False),
    sa.Column("source", sa.String(16), nullable=False),
    sa.Column("version", sa.Integer, nullable=False, default=1),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.UniqueConstraint("team_id", "name"),
    sa.Index("ix_schedules_due", "enabled", "next_run_at"),
)

schedule_runs = sa.Table(
    "schedule_runs",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    _reference("schedule_id", "schedules.id"),
    # The slot key: set for runs made by the schedule itself, NULL for manual,
    # retry and catch-up rows. UNIQUE makes materialization exactly-once.
    sa.Column("slot", UTCDateTime),
    sa.Column("scheduled_for", UTCDateTime, nullable=False),
    sa.Column("trigger", sa.String(16), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("attempt", sa.Integer, nullable=False, default=1),
    sa.Column("retry_of", BigId),
    sa.Column("due_at", UTCDateTime, nullable=False),
    sa.Column("lease_owner", sa.String(100)),
    sa.Column("lease_expires_at", UTCDateTime),
    sa.Column("started_at", UTCDateTime),
    sa.Column("finished_at", UTCDateTime),
    sa.Column("duration_ms", sa.Integer),
    sa.Column("error", sa.Text),
    sa.Column("output", sa.Text),
    sa.Column("created_at", UTCDateTime, nullable=False),
    # Set when the run is leased: its schedule allows no other run beside it
    # (overlap skip or queue). The partial index below enforces that.
    sa.Column("exclusive", sa.Boolean, nullable=False, default=False, server_default=sa.false()),
    sa.UniqueConstraint("schedule_id", "slot"),
    sa.Index("ix_schedule_runs_queue", "status", "due_at", "id"),  # claim order
    sa.Index("ix_schedule_runs_lease", "status", "lease_expires_at"),
)
# At most one running exclusive run per schedule, whatever replicas race.
_running_exclusive = sa.and_(schedule_runs.c.status == "running", schedule_runs.c.exclusive)
sa.Index(
    "ix_schedule_runs_one_running",
    schedule_runs.c.schedule_id,
    unique=True,
    sqlite_where=_running_exclusive,
    postgresql_where=_running_exclusive,
)

# Engines that hold a session-level advisory lock named for their owner id
# (Postgres only): an owner listed here whose lock is free has lost its
# database session, so its runs can be taken over at once (see `leases`).
replicas = sa.Table(
    "replicas",
    metadata,
    sa.Column("owner", sa.String(100), primary_key=True),
    sa.Column("started_at", UTCDateTime, nullable=False),
)

audit_log = sa.Table(
    "audit_log",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("team_id", sa.String(64), nullable=False),
    sa.Column("actor", sa.String(64), nullable=False),
    sa.Column("action", sa.String(32), nullable=False),
    sa.Column("schedule_id", BigId),
    sa.Column("schedule_name", sa.String(100)),
    sa.Column("before", sa.JSON),
    sa.Column("after", sa.JSON),
    sa.Column("at", UTCDateTime, nullable=False),
    sa.Index("ix_audit_log_team_at", "team_id", "at"),
)

# Agent thread memory: one row per conversation key (e.g. team:channel:thread).
conversations = sa.Table(
    "conversations",
    metadata,
    sa.Column("key", sa.String(200), primary_key=True),
    sa.Column("team_id", sa.String(64), nullable=False),
    sa.Column("messages", sa.JSON, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
)

# Keys of inbound deliveries already handled (e.g. a chat platform's event id),
# so that a redelivery is answered once.
seen_keys = sa.Table(
    "seen_keys",
    metadata,
    sa.Column("key", sa.String(200), primary_key=True),
    sa.Column("seen_at", UTCDateTime, nullable=False, index=True),
)

# Per-person settings the host keeps (e.g. a timezone chosen with `/tock tz`).
user_settings = sa.Table(
    "user_settings",
    metadata,
    sa.Column("team_id", sa.String(64), primary_key=True),
    sa.Column("user_id", sa.String(64), primary_key=True),
    sa.Column("timezone", sa.String(64)),
    sa.Column("updated_at", UTCDateTime, nullable=False),
)

# One row per try of one workflow step (see `steps`). `root_run_id` is the
# first attempt of the run (`Run.root_id`): a retried run finds the steps its
# earlier attempts finished under it. A path's tries are numbered across the
# attempts, and at most one try of a path is done (succeeded or skipped).
STEP_DONE = ("succeeded", "skipped")
run_steps = sa.Table(
    "run_steps",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    _reference("run_id", "schedule_runs.id"),
    sa.Column("root_run_id", BigId, nullable=False),
    _reference("schedule_id", "schedules.id"),
    sa.Column("path", sa.String(300), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("attempt", sa.Integer, nullable=False),
    sa.Column("started_at", UTCDateTime, nullable=False),
    sa.Column("finished_at", UTCDateTime),
    sa.Column("duration_ms", sa.Integer),
    sa.Column("summary", sa.Text),
    sa.Column("output", sa.JSON),
    sa.Column("error", sa.Text),
    sa.UniqueConstraint("root_run_id", "path", "attempt"),
)
_step_done = run_steps.c.status.in_(STEP_DONE)
sa.Index(
    "ix_run_steps_done",
    run_steps.c.root_run_id,
    run_steps.c.path,
    unique=True,
    sqlite_where=_step_done,
    postgresql_where=_step_done,
)
