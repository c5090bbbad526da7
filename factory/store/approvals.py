"""`ApprovalRepository`: a person's approve or reject of a run that waited for one."""

from __future__ import annotations

from sqlalchemy import select

from factory.store.appending import NewEvent, append_to_chain, encode_events
from factory.store.models import Approval
from factory.store.sessions import SessionScopes
from factory.store.statuses import ApprovalDecision


class ApprovalRepository:
    """Approvals, each also appended to the run's audit chain in the same transaction."""

    def __init__(self, scopes: SessionScopes) -> None:
        self._scopes = scopes

    def record(
        self, run_id: str, decision: ApprovalDecision | str, by: str, comment: str | None = ""
    ) -> Approval:
        """A human's approve/reject; also appended to the run's audit chain."""
        verdict = ApprovalDecision(decision).value
        comment = comment or ""
        approval = Approval(run_id=run_id, decision=verdict, by=by, comment=comment)
        with self._scopes.write() as session:
            append_to_chain(
                session.connection(),
                run_id,
                encode_events(
                    [NewEvent(f"approval.{verdict}", f"human:{by}", {"comment": comment})]
                ),
            )
            session.add(approval)
        return approval

    def of_run(self, run_id: str) -> list[Approval]:
        """The run's decisions, oldest first."""
        with self._scopes.read() as session:
            query = select(Approval).where(Approval.run_id == run_id).order_by(Approval.id)
            return list(session.scalars(query))
