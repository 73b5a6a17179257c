"""run queue index in claim order

The claim reads pending runs `ORDER BY due_at, id LIMIT n`. With the index on
(status, due_at) alone, Postgres sorted every pending run to find the first n
(a burst of 10,000 runs due at one instant are all equal on due_at); with id
in the index it reads the first n in order and stops. SQLite's index already
ends in the rowid, so there it changes nothing.

Revision ID: 0004
Revises: 0003
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("schedule_runs", schema=None) as batch_op:
        batch_op.drop_index("ix_schedule_runs_queue")
        batch_op.create_index("ix_schedule_runs_queue", ["status", "due_at", "id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("schedule_runs", schema=None) as batch_op:
        batch_op.drop_index("ix_schedule_runs_queue")
        batch_op.create_index("ix_schedule_runs_queue", ["status", "due_at"], unique=False)
