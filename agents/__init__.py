"""The four agents (planner, coder, tester, reviewer): prompts and graph node functions.

- `briefing`: what every agent is told (its prompt, the repository's rules, the ticket block).
- `untrusted`: untrusted text cleaned of what renders as nothing before an agent reads it.
"""
