"""A factory pull request behind its base is brought up to date, then tested and judged again.

The second step of the maintenance pass (after reconciliation). For an open factory PR whose
branch no longer contains its base branch's head:
- every commit since the base is the factory's (author and committer are the `[git]` bot):
  `git rebase`, pushed with a lease on the head that was read, so a commit a person pushed in
  between makes the push fail instead of vanishing;
- anyone else pushed to the branch: the base is merged in, a normal (fast-forward) push;
- either way a clean update needs no agent: `pull.base_updated` {method, base_sha,
  head_before, head_after}, then the run is driven again from the test node with
  `recheck_only`: the sandbox suite against the new base, the gate at the run's level, and
  delivery (a merge when the level allows it and all is green);
- a real conflict: the base is merged in with git's markers left in the conflicted files (a
  local commit, not pushed), `pull.conflict` {files, base_sha}, and the coder gets a round
  (`kind="conflict"`) with the conflicting hunks; the round pushes the resolution on top, a
  fast-forward, never a force.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from langchain_core.runnables import RunnableConfig

from factory.forges.base import ForgeError
from factory.forges.branches import (
    branch_commits,
    branch_head,
    fresh_clone,
    others_commits,
    push_forward,
    push_rebased,
)
from factory.forges.feedback import FeedbackItem
from factory.git.command import GitError
from factory.git.rebase import (
    BaseUpdate,
    contains,
    local_branch,
    merge_base_in,
    rebase_onto,
    set_local_branch,
)
from factory.run.driving import claim_again, drive, hold_lease
from factory.run.hooks import RunHooks
from factory.run.pr_sync import AWAITING_PEOPLE
from factory.run.round_state import RoundRequest, round_signature
from factory.run.rounds import start_round
from factory.run.runner import recorded_options
from factory.store import Store
from factory.support.errors import FactoryError, error_text

if TYPE_CHECKING:
    from factory.pulls.maintain import PullContext, StepOutcome
    from factory.store.models import Run

STEP = "base_update"
BASE_UPDATED_EVENT = "pull.base_updated"
CONFLICT_EVENT = "pull.conflict"

_AWAITING = frozenset(status.value for status in AWAITING_PEOPLE)


def update_pull(ctx: PullContext) -> StepOutcome | None:
    """Bring the pull request up to date with its base when it is behind; None when it is
    not behind (or is not the factory's to update: no run, or the run is being driven)."""
    run, pull = ctx.run, ctx.pull
    if run is None or ctx.state is None or pull.status not in ("open", "draft"):
        return None
    if run.status not in _AWAITING:
        return None  # a live driver, or an ended run: not this pass's to touch
    clone = fresh_clone(ctx.forge, ctx.config.factory.data_dir / "clones")
    base_sha = branch_head(clone, pull.base_branch)
    head_sha = branch_head(clone, pull.head_branch)
    if base_sha is None or head_sha is None or contains(clone, base_sha, head_sha):
        return None
    others = others_commits(branch_commits(clone, base_sha, head_sha), ctx.config.git)
    local_before = local_branch(clone, pull.head_branch)
    try:
        update = _bring_up_to_date(ctx, clone, base_sha, head_sha, rebase=not others)
    except (ForgeError, GitError) as error:
        # The branch moved under us (the lease refused) or the forge would not take it:
        # nothing was overwritten; the clone's branch goes back to what it was, and the next
        # pass reads the branch again.
        set_local_branch(clone, pull.head_branch, local_before)
        return _outcome(action="deferred", detail=str(error)[:300], stop=True)
    if not update.clean and _conflict_sent(ctx.store, run.id, base_sha):
        files = ", ".join(update.conflicted_files)
        detail = f"conflicts in {files} with {base_sha[:12]} went to the coder before"
        return _outcome(action="conflict_pending", detail=detail, stop=True)
    if update.clean:
        ctx.store.events.append(
            run.id,
            BASE_UPDATED_EVENT,
            "system",
            {
                "method": update.method,
                "base_sha": base_sha,
                "head_before": head_sha,
                "head_after": update.head_after,
            },
        )
        status = _recheck(ctx, run, base_sha)  # the branch is updated on the forge whatever it says
        done = "rebased onto" if update.method == "rebase" else "merged in"
        detail = (
            f"{done} {pull.base_branch} {base_sha[:12]}"
            + (f" (commits by {_names(others)} kept)" if others else "")
            + f"; tests and gate again: {status}"
        )
        action = "rebased" if update.method == "rebase" else "base_merged"
        return _outcome(action=action, detail=detail, stop=True)
    return _conflict_round(ctx, run, clone, update, head_sha, local_before)


def _bring_up_to_date(
    ctx: PullContext, clone: Path, base_sha: str, head_sha: str, *, rebase: bool
) -> BaseUpdate:
    """Rebase (factory-only branch) or merge the base in; push a clean result."""
    branch, identity = ctx.pull.head_branch, ctx.config.git
    if rebase:
        rebased = rebase_onto(clone, head_sha=head_sha, base_sha=base_sha, identity=identity)
        if rebased.clean:
            assert rebased.head_after is not None
            set_local_branch(clone, branch, rebased.head_after)
            push_rebased(ctx.forge, clone, branch, expected_sha=head_sha)
            return rebased
    merged = merge_base_in(
        clone,
        head_sha=head_sha,
        base_sha=base_sha,
        base_branch=ctx.pull.base_branch,
        identity=identity,
    )
    if merged.clean:
        assert merged.head_after is not None
        set_local_branch(clone, branch, merged.head_after)
        push_forward(ctx.forge, clone, branch)
    return merged


def _recheck(ctx: PullContext, run: Run, base_sha: str) -> str:
    """Drive the run again from its test node against the new base: the suite in the sandbox,
    then the gate and delivery at the run's level, no agent. Returns the run's status after."""
    resume: dict[str, Any] = {
        "base_sha": base_sha,
        "recheck_only": True,
        "ending": None,
        "error": None,
        "feedback": None,
        "decision": None,
    }
    options = recorded_options(ctx.store, run.id)

    def from_the_tests(graph: Any, thread: dict[str, Any], _run: Any) -> None:
        # As if the coder had just finished: the next node is `test`.
        graph.update_state(cast(RunnableConfig, thread), resume, as_node="code")

    hooks = RunHooks(forge=ctx.forge, prepare_thread=from_the_tests)
    try:
        with hold_lease(ctx.config, ctx.store, run.id) as lease:
            claim_again(ctx.store, ctx.store.runs.get(run.id))
            summary = drive(ctx.config, ctx.store, lease, options, None, hooks=hooks)
    except Exception as error:
        # `drive` recorded the failure on the run (resumable, `factory resume`); a lease held
        # elsewhere wrote nothing. Either way the pass goes on with the next pull request.
        return f"not finished ({error_text(error) or type(error).__name__})"
    return summary.status.value


def _conflict_round(
    ctx: PullContext,
    run: Run,
    clone: Path,
    update: BaseUpdate,
    head_sha: str,
    local_before: str | None,
) -> StepOutcome:
    """Leave the conflicted merge on the run's branch (local only) and ask the coder."""
    pull = ctx.pull
    files = update.conflicted_files
    ctx.store.events.append(
        run.id, CONFLICT_EVENT, "system", {"files": files, "base_sha": update.base_sha}
    )
    marked = merge_base_in(
        clone,
        head_sha=head_sha,
        base_sha=update.base_sha,
        base_branch=pull.base_branch,
        identity=ctx.config.git,
        keep_conflicts=True,
    )
    if marked.head_after is None:
        return _outcome(
            action="conflict", detail="the conflicted merge could not be kept", stop=True
        )
    # The round's worktree checks this out; its fork point is now the new base, which the
    # round's baseline and diff read.
    set_local_branch(clone, pull.head_branch, marked.head_after)
    items = [
        FeedbackItem(
            id=f"conflict:{update.base_sha[:12]}:{hunk.path}:{hunk.line}",
            kind="conflict",
            author="git",
            body=(
                f"Merging {pull.base_branch} ({update.base_sha[:12]}) into this branch "
                f"conflicts in {hunk.path} at line {hunk.line}. The merge is committed with "
                "git's conflict markers; resolve them so both sides' intent holds."
            ),
            path=hunk.path,
            line=hunk.line,
            diff_hunk=hunk.text,
        )
        for hunk in update.conflicts
    ]
    request = RoundRequest(
        kind="conflict",
        items=items,
        signature=round_signature(items),
        head_sha=head_sha,
    )
    try:
        result = start_round(ctx.config, ctx.store, run.id, request, forge=ctx.forge)
    except FactoryError as refused:
        # No round ran (halted, a live driver...): git's markers must not stay on the branch
        # another round would push.
        set_local_branch(clone, pull.head_branch, local_before)
        detail = f"conflicts in {', '.join(files)}; no coder round: {refused}"
        return _outcome(action="conflict", detail=detail[:500], stop=True)
    if result.outcome not in ("pushed", "merged"):
        set_local_branch(clone, pull.head_branch, local_before)
    detail = f"conflicts in {', '.join(files)}; coder round {result.round}: {result.outcome}"
    return _outcome(action="conflict", detail=detail, stop=True)


def _conflict_sent(store: Store, run_id: str, base_sha: str) -> bool:
    """Whether this run's conflict with this very base commit was handed to the coder: the
    round had its chance; only a new base commit or a person's push changes anything."""
    return any(
        event.kind == CONFLICT_EVENT and json.loads(event.payload).get("base_sha") == base_sha
        for event in store.events.read(run_id)
    )


def _names(commits: list[Any]) -> str:
    return ", ".join(sorted({commit.author_name for commit in commits}))


def _outcome(*, action: str, detail: str = "", stop: bool = False) -> StepOutcome:
    # Imported here: `maintain` imports this step, so its models load after this module.
    from factory.pulls.maintain import StepOutcome

    return StepOutcome(step=STEP, action=action, detail=detail, stop=stop)
