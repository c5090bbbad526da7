"""`factory demo`: the bundled sample project, its bug ticket and the scripted model turns.

- `run_demo`: one ticket through the whole product (`factory demo`).
- `sweep_demo`: a nightly sweep over the bundled `backlog/` (`factory demo --tickets N`), whose
  tickets each have their own scripted turns (`backlog/<ticket>.jsonl`).
"""
