"""Pull request feedback: comments and reviews made on the local forge (kept as GitHub keeps
them), and every feedback item the factory has seen on any forge, so that an item starts at
most one round, however often a webhook or a maintenance pass shows it again.

Revision ID: 0011_pull_request_feedback
Revises: 0007_eval (the chain's head; 0010 comes before it)
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011_pull_request_feedback"
down_revision: str | None = "0007_eval"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "pull_request_feedback",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("repo", sa.String(200), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.String(200), nullable=False),
        sa.Column("run_id", sa.String(32), nullable=True),
        sa.Column("round", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(200), nullable=False),
        sa.Column("seen_at", TZ, nullable=False),
        sa.UniqueConstraint("repo", "number", "item_id", name="uq_pull_request_feedback_item"),
    )
    op.create_table(
        "pull_request_comments",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("repo", sa.String(200), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("author", sa.String(200), nullable=False),
        sa.Column("author_association", sa.String(30), nullable=False),
        sa.Column("author_is_bot", sa.Boolean(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("path", sa.String(1000), nullable=True),
        sa.Column("line", sa.Integer(), nullable=True),
        sa.Column("diff_hunk", sa.Text(), nullable=True),
        sa.Column("review_state", sa.String(30), nullable=True),
        sa.Column("in_reply_to", sa.Integer(), nullable=True),
        sa.Column("commit_sha", sa.String(64), nullable=True),
        sa.Column("created_at", TZ, nullable=False),
    )
    op.create_index(
        "ix_pull_request_comments_repo_number", "pull_request_comments", ["repo", "number"]
    )


def downgrade() -> None:
    op.drop_index("ix_pull_request_comments_repo_number", table_name="pull_request_comments")
    op.drop_table("pull_request_comments")
    op.drop_table("pull_request_feedback")
