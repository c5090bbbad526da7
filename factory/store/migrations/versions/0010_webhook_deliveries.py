"""Webhook deliveries: every delivery received, by its id and the digest of its body, so a
replayed delivery is refused even after the job it queued is gone.

Revision ID: 0010_webhook_deliveries
Revises: 0008_limits
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010_webhook_deliveries"
down_revision: str | None = "0008_limits"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "webhook_deliveries",
        sa.Column("delivery_id", sa.String(100), primary_key=True),
        sa.Column("body_sha256", sa.String(64), nullable=False, unique=True),
        sa.Column("event", sa.String(100), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("outcome", sa.String(500), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("webhook_deliveries")
