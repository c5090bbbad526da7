"""Outcomes that stay true: a pull request's base commit, a run's unpriced model calls.

`pull_requests.base_sha` is where the head branch left its base when the pull request was
opened, so the change can still be shown after a merge moved the base branch.
`runs.unpriced_calls` counts model calls without a known price: while any, the run's cost is
unknown rather than the sum of the priced ones.

Revision ID: 0005_outcomes
Revises: 0001
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_outcomes"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("pull_requests") as table:
        table.add_column(sa.Column("base_sha", sa.String(64), nullable=True))
    with op.batch_alter_table("runs") as table:
        table.add_column(
            sa.Column("unpriced_calls", sa.Integer(), nullable=False, server_default="0")
        )


def downgrade() -> None:
    with op.batch_alter_table("runs") as table:
        table.drop_column("unpriced_calls")
    with op.batch_alter_table("pull_requests") as table:
        table.drop_column("base_sha")
