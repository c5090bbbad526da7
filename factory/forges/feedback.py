"""PLACEHOLDER in branch issue-21-base only: CORE's `feedback.py` replaces it at merge."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel


class FeedbackItem(BaseModel):
    id: str
    kind: Literal["review", "review_comment", "issue_comment", "ci_failure", "conflict"]
    author: str
    author_association: str = "NONE"
    author_is_bot: bool = False
    body: str
    path: str | None = None
    line: int | None = None
    diff_hunk: str | None = None
    review_state: Literal["CHANGES_REQUESTED", "APPROVED", "COMMENTED"] | None = None
    created_at: datetime | None = None
