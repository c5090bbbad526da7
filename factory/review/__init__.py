"""The operational review: DORA and DRIVE figures from the factory's own record.

schema.py            the review as pydantic models (versioned); its JSON Schema
dora_tiers.py        the one table of DORA tiers (2024 report) and `tier_for`
period.py            the reviewed period and the one before it, from `--since`/`--until`
records.py           one read of the store for a period, a step per table: runs, events, PRs...
run_facts.py         what one run's events say (`RunFacts`), folded as they stream from the store
github_incidents.py  GitHub issues labelled `incident` copied into the store (`incident sync`)
clones.py            which checkout to read: the configured path, else the factory's cached clone
git_history.py       deployments on a base branch, agent vs human (Factory-Run trailers), reverts
dora.py              DORA's five metrics over a list of changes
failures.py          which changes failed: reverts and incidents naming them
trends.py            a figure's trend against the previous period
pillars.py           delivery, reliability, vigilance, efficiency for a group of runs
sweep_records.py     sweep completion: tickets sweeps selected, and which reached an ending
initiatives.py       done/open/in flight/stalled and projected completion per initiative
ownership.py         owners and domains from CODEOWNERS and catalog-info.yaml on the base branch
followups.py         factory PRs after they opened: rounds, first time right, follow-up cost,
                     reviewer burden (comments, hours waiting per merged PR) beside humans'
scorecards.py        the standards scorecard of each repository, with evidence
risks.py             the top risks: one rule per kind of risk, ranked, each with an action
build.py             `build_review`: all of the above into one `OperationalReview`
charts.py            matplotlib charts as inline SVG (server-side, no external assets)
render.py            Markdown and HTML (Jinja2) renderings of an `OperationalReview`

Nothing here imports the CLI or the web app; they import this.
"""
