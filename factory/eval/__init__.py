"""Evals: the factory measured on a repository's own history (docs/eval.md).

- `tasks`: `EvalTask` (SWE-bench's fields) and its JSONL reading and writing.
- `test_files`: the one rule that tells a test file from code.
- `mining`: candidates from the base branch's history, split into patch and test_patch,
  problem statements from GitHub or the commit message.
- `validation`: a candidate's tests in the sandbox, repeated; FAIL_TO_PASS, PASS_TO_PASS, drops.
- `workspace`: an attempt's throwaway repository, and judging a run with the hidden tests.
- `driver`: `factory eval run`, attempts through the ordinary runner under the sweep's rules.
- `results`, `figures`: one attempt's outcome; rates with Wilson intervals, costs, safety.
- `report`, `compare`: the versioned JSON, Markdown and HTML; two evals or configurations.
"""
