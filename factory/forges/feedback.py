"""PLACEHOLDER in branch issue-21-ci only: CORE owns this module (issue 21 contract).

`FeedbackItem` as the contract fixes it, so the CI step can build its round request; the
lead's merge replaces this file with CORE's.
"""

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
