"""The four agents (planner, coder, tester, reviewer): prompts and graph node functions."""
