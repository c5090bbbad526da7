"""Alembic environment: always driven programmatically with a live connection (see engine.py)."""

from alembic import context

from factory.store.models import Base

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("agent-factory migrations run through factory.store.database.migrate()")

context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
