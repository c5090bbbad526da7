"""Benchmarks: each module here measures one part against a baseline run in the same process.

`python -m bench` (or `make bench`) runs every module's `main()`; `python -m bench audit` runs one.
Numbers are printed as ratios to their baseline, never asserted in tests.
"""
