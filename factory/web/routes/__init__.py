"""The dashboard's routes, one module per page family; `factory.web.app` assembles them.

review.py     `/` (to the review) and `/review`: the operational review with its filters
runs.py       `/runs` (the list, filtered) and `/runs/{id}` (one run's page, polling while live)
sweeps.py     `/sweeps` and `/sweeps/{id}`: the sweeps list and one sweep's report and runs
evals.py      `/evals` and `/evals/{id}`: the evals recorded and one eval's report with its chart
approvals.py  `/approvals` (the waiting runs) and a run's approve and reject forms
halts.py      `/halt` and `/unhalt`: the kill switch, for everything or one repository
login.py      `/login` and `/logout`: the token login that gives a session its name and CSRF token
"""
