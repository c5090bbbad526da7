"""Run leases (one live driver per run), the run's checkout path, and ticket claims.

Revision ID: 0002_leases_and_claims
Revises: 0004_incidents
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002_leases_and_claims"
down_revision: str | None = "0004_incidents"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("runs") as batch:
        batch.add_column(sa.Column("repo_path", sa.Text(), nullable=True))
        batch.add_column(sa.Column("lease_host", sa.String(255), nullable=True))
        batch.add_column(sa.Column("lease_pid", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("lease_since", TZ, nullable=True))
        batch.add_column(sa.Column("lease_heartbeat_at", TZ, nullable=True))
        batch.add_column(sa.Column("lease_expires_at", TZ, nullable=True))
    op.create_table(
        "ticket_claims",
        sa.Column("ticket_key", sa.String(500), primary_key=True),
        sa.Column("run_id", sa.String(32), nullable=False),
        sa.Column("claimed_at", TZ, nullable=False),
    )
    op.create_index("ix_ticket_claims_run_id", "ticket_claims", ["run_id"])


def downgrade() -> None:
    op.drop_table("ticket_claims")
    with op.batch_alter_table("runs") as batch:
        for column in (
            "lease_expires_at",
            "lease_heartbeat_at",
            "lease_since",
            "lease_pid",
            "lease_host",
            "repo_path",
        ):
            batch.drop_column(column)
