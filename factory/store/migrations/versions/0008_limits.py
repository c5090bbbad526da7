"""Spend limits: a ledger of every model call's spend, and the alerts raised against limits.

Revision ID: 0008_limits
Revises: 0003_sweeps
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_limits"
down_revision: str | None = "0003_sweeps"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "spend",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("at", TZ, nullable=False),
        sa.Column("run_id", sa.String(32), nullable=False),
        sa.Column("repo", sa.String(200), nullable=False),
        sa.Column("usd", sa.Float(), nullable=True),
        sa.Column("tokens", sa.Integer(), nullable=False),
    )
    op.create_index("ix_spend_at", "spend", ["at"])
    op.create_index("ix_spend_repo_at", "spend", ["repo", "at"])
    op.create_table(
        "limit_alerts",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("scope", sa.String(200), nullable=False),
        sa.Column("period", sa.String(16), nullable=False),
        sa.Column("unit", sa.String(8), nullable=False),
        sa.Column("percent", sa.Integer(), nullable=False),
        sa.Column("spent", sa.Float(), nullable=False),
        sa.Column("limit_value", sa.Float(), nullable=False),
        sa.Column("unpriced_calls", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.String(32), nullable=True),
        sa.Column("raised_at", TZ, nullable=False),
        sa.Column("posted_at", TZ, nullable=True),
        sa.Column("post_error", sa.Text(), nullable=True),
        sa.UniqueConstraint("scope", "period", "unit", "percent", name="uq_limit_alerts_once"),
    )
    op.create_index("ix_limit_alerts_raised_at", "limit_alerts", ["raised_at"])


def downgrade() -> None:
    op.drop_index("ix_limit_alerts_raised_at", table_name="limit_alerts")
    op.drop_table("limit_alerts")
    op.drop_index("ix_spend_repo_at", table_name="spend")
    op.drop_index("ix_spend_at", table_name="spend")
    op.drop_table("spend")
