"""One ticket's run: the LangGraph graph, its nodes and state, and driving it to an ending.

- `runner`: start, resume, approve and reject a run (what each checks before anything is
  written); what a run waits for.
- `driving`: driving under the run's lease: taking it (and a takeover's note), whether there is
  anything left to resume, the ticket's claim taken back, the graph driven with the lease
  checked at node boundaries, and a true run row however it stops (a lost lease writes nothing).
- `summary`: `RunSummary` and the exit codes; the ending the graph reached, written to the row.
- `graph`: the LangGraph state machine and its routing between nodes.
- `nodes`: intake, plan, code, test, review, gate, deliver, await_approval; each restartable.
- `state`: `RunState`, what the checkpointer saves after every node.
- `setup`: the live equipment around a checkpointed state (worktree, sandbox, models, budget).
- `run_context`: `RunContext`, what every node receives, and the halt check at node boundaries.
- `judging`: the gate node's `GateRequest`, from the run's state.
- `delivery`: comment, refuse, push, open the pull request, request reviewers, merge.
- `baseline`: the test suite's result on the base commit, cached per base sha and command.
- `pr_body`: the pull request's description.
- `reaping`: removing this installation's sandboxes of dead processes whenever a run starts.
- `pr_sync`: what people did to the factory's pull requests on the forge, recorded on the runs.
- `hooks`: what a driver of many runs (the sweep, an eval) or a round adds around one run.
- `rounds`: `start_round`, a follow-up round of a run on its open pull request.
- `round_state`: `RoundRequest`, `RoundLogEntry`, the coder's fenced feedback, the Rounds log.
- `round_records`: a round's log entry, replies and `round.finished`, each written once.
- `batch_budget`: when a driver of many runs (the sweep, an eval) stops *starting* runs.
- `checkpoints`: LangGraph's checkpointer for the store's database, and its retention.
"""
