"""one running exclusive run per schedule; replicas with a session lock

`schedule_runs.exclusive` is set when a run of a schedule whose overlap is
skip or queue is leased, and a partial unique index allows one such running
run per schedule: two replicas racing to start the same schedule cannot
both win, whatever their snapshots saw. `replicas` lists the engines that
hold a session-level advisory lock (Postgres), so that another replica can
tell a dead owner from a live one without waiting for its leases to expire.

Revision ID: 0005
Revises: 0004
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from scheduler.store.models import UTCDateTime

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_RUNNING_EXCLUSIVE = "status = 'running' AND exclusive"


def upgrade() -> None:
    with op.batch_alter_table("schedule_runs", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("exclusive", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    op.create_index(
        "ix_schedule_runs_one_running",
        "schedule_runs",
        ["schedule_id"],
        unique=True,
        sqlite_where=sa.text(_RUNNING_EXCLUSIVE),
        postgresql_where=sa.text(_RUNNING_EXCLUSIVE),
    )
    op.create_table(
        "replicas",
        sa.Column("owner", sa.String(length=100), nullable=False),
        sa.Column("started_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("owner", name=op.f("pk_replicas")),
    )


def downgrade() -> None:
    op.drop_table("replicas")
    op.drop_index("ix_schedule_runs_one_running", table_name="schedule_runs")
    with op.batch_alter_table("schedule_runs", schema=None) as batch_op:
        batch_op.drop_column("exclusive")
