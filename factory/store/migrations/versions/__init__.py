"""One module per schema revision; never edit a released one, add the next.

The chain, oldest first (revision ids, not file numbers, fix the order: the files were
numbered when their work began, and landed in another order):
0001 -> 0005_outcomes -> 0004_incidents -> 0002_leases_and_claims -> 0003_sweeps -> 0007_eval.
"""
