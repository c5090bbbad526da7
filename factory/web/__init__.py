"""The dashboard: FastAPI with server-rendered Jinja2 pages, no external assets.

app.py         `create_app`: the page families' routers, security headers, refusal pages
dashboard.py   `Dashboard`: what every route shares (store, sessions, actions...), `page()`
routes/        one router per page family: review, runs, sweeps, approvals, halts, login
inputs.py      what no route accepts: ids, filters and form text with a NUL character (a clean 400)
security.py    `FACTORY_WEB_TOKEN` login, sessions naming who acts, CSRF tokens
run_page.py    one run's page as data: timeline, model calls, commands, gate, diff, tests, review
runs_query.py  the runs list with its filters (repository, status, sweep, dates)
sweep_pages.py the sweeps list; a sweep's page: its morning report (sweep.report), its runs
spend.py       the `[limits]` banner every page carries; a run's spend, "so far" while it runs
actions.py     approve/reject/halt/unhalt through the core (runner, governance), off the request
server.py      `serve`: uvicorn on 127.0.0.1 by default, with the webhooks router on PostgreSQL
templates/     the pages; the review page includes factory/review/templates/review_body.html
"""
