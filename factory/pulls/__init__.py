"""The pull request's life after it opens: feedback, base updates, CI, reconciliation.

- `ci`: the maintenance pass's CI step: read the head's checks, rerun flaky ones, say
  infrastructure failures, start a fix round for a deterministic one, merge once green.
- `ci_classify`: what a failed check is (infrastructure, flaky, deterministic), its log
  excerpt and its failure signature; pure functions.
- `maintain`: the maintenance pass over one pull request (`PULL_STEPS`).
"""
