"""Alembic environment: always driven programmatically by scheduler.store.migrate."""

from alembic import context

from scheduler.store.models import metadata

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
