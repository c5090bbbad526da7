"""Sweeps: the `sweeps` table, each run's sweep and stable ticket id, backlog tickets in the store.

Revision ID: 0003_sweeps
Revises: 0002_leases_and_claims
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_sweeps"
down_revision: str | None = "0002_leases_and_claims"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "sweeps",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("params", sa.Text(), nullable=False),
        sa.Column("owner", sa.String(300), nullable=False),
        sa.Column("started_at", TZ, nullable=False),
        sa.Column("finished_at", TZ, nullable=True),
        sa.Column("totals", sa.Text(), nullable=False),
    )
    with op.batch_alter_table("runs") as batch:
        batch.add_column(sa.Column("ticket_id", sa.String(500), nullable=True))
        batch.add_column(sa.Column("sweep_id", sa.String(32), nullable=True))
        batch.create_index("ix_runs_ticket_id", ["ticket_id"])
        batch.create_index("ix_runs_sweep_id", ["sweep_id"])
    with op.batch_alter_table("tickets") as batch:
        batch.add_column(sa.Column("repo", sa.String(200), nullable=True))
        batch.add_column(sa.Column("priority", sa.String(50), nullable=True))
        batch.add_column(
            sa.Column("backlog", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("tickets") as batch:
        for column in ("backlog", "priority", "repo"):
            batch.drop_column(column)
    with op.batch_alter_table("runs") as batch:
        batch.drop_index("ix_runs_sweep_id")
        batch.drop_index("ix_runs_ticket_id")
        batch.drop_column("sweep_id")
        batch.drop_column("ticket_id")
    op.drop_table("sweeps")
