"""Evals: mined tasks, evals and their per-task results; each run's eval and configuration.

`runs.eval_id` marks a run an eval drove (on a throwaway clone, delivering nothing), so the
track record, the review and run listings leave it out; `runs.config_hash` is the
configuration a run ran under, which the review groups by and autonomy evidence checks.

Revision ID: 0007_eval
Revises: 0010_webhook_deliveries
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_eval"
down_revision: str | None = "0010_webhook_deliveries"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "eval_tasks",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("repo", sa.String(200), nullable=False),
        sa.Column("instance_id", sa.String(300), nullable=False),
        sa.Column("base_commit", sa.String(64), nullable=False),
        sa.Column("source_commit", sa.String(64), nullable=True),
        sa.Column("patch", sa.Text(), nullable=False),
        sa.Column("test_patch", sa.Text(), nullable=False),
        sa.Column("problem_statement", sa.Text(), nullable=False),
        sa.Column("evidence", sa.String(32), nullable=False),
        sa.Column("fail_to_pass", sa.Text(), nullable=False),
        sa.Column("pass_to_pass", sa.Text(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("drop_reason", sa.Text(), nullable=True),
        sa.Column("created_at", TZ, nullable=False),
        sa.UniqueConstraint("repo", "instance_id", name="uq_eval_tasks_repo_instance"),
    )
    op.create_index("ix_eval_tasks_repo", "eval_tasks", ["repo"])
    op.create_table(
        "evals",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("repo", sa.String(200), nullable=False),
        sa.Column("config_hash", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("params", sa.Text(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("started_at", TZ, nullable=False),
        sa.Column("finished_at", TZ, nullable=True),
    )
    op.create_index("ix_evals_repo", "evals", ["repo"])
    op.create_index("ix_evals_config_hash", "evals", ["config_hash"])
    op.create_table(
        "eval_results",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("eval_id", sa.String(32), nullable=False),
        sa.Column("instance_id", sa.String(300), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.String(32), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("result", sa.Text(), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.UniqueConstraint("eval_id", "instance_id", "attempt", name="uq_eval_results_attempt"),
    )
    op.create_index("ix_eval_results_eval_id", "eval_results", ["eval_id"])
    with op.batch_alter_table("runs") as batch:
        batch.add_column(sa.Column("eval_id", sa.String(32), nullable=True))
        batch.add_column(sa.Column("config_hash", sa.String(64), nullable=True))
        batch.create_index("ix_runs_eval_id", ["eval_id"])
        batch.create_index("ix_runs_config_hash", ["config_hash"])


def downgrade() -> None:
    with op.batch_alter_table("runs") as batch:
        batch.drop_index("ix_runs_config_hash")
        batch.drop_index("ix_runs_eval_id")
        batch.drop_column("config_hash")
        batch.drop_column("eval_id")
    op.drop_index("ix_eval_results_eval_id", "eval_results")
    op.drop_table("eval_results")
    op.drop_index("ix_evals_config_hash", "evals")
    op.drop_index("ix_evals_repo", "evals")
    op.drop_table("evals")
    op.drop_index("ix_eval_tasks_repo", "eval_tasks")
    op.drop_table("eval_tasks")
