"""`serve`: the dashboard under uvicorn, on 127.0.0.1 unless told otherwise.

Beyond loopback it needs `FACTORY_WEB_TOKEN`: without one, every page (tickets, diffs, costs,
the agents' transcripts) would be readable by anyone who can reach the port, and the halt
switch could not be used by anyone. That is refused before the port opens, rather than warned
about: a warning scrolls by in a service's log while the data is already out.
"""

from __future__ import annotations

import os

from factory.config import FactoryConfig
from factory.store import Store
from factory.store.database import is_postgresql
from factory.support.errors import FactoryError
from factory.web.security import is_loopback

TOKEN_ENV = "FACTORY_WEB_TOKEN"
DEFAULT_HOST = "127.0.0.1"


class ServeRefused(FactoryError, ValueError):
    """The dashboard will not listen as asked; the message says what to set."""

    code = "bad_input"


def check_exposure(host: str, token: str | None) -> None:
    """ServeRefused when `host` reaches beyond this machine and no token is configured."""
    if token or is_loopback(host):
        return
    raise ServeRefused(
        f"refusing to serve on {host} without {TOKEN_ENV}: anyone reaching the port could read "
        f"every run; set {TOKEN_ENV} (e.g. $(openssl rand -hex 16)) or listen on 127.0.0.1"
    )


def serve(config: FactoryConfig, host: str = DEFAULT_HOST, port: int = 8765) -> None:
    import uvicorn

    from factory.web.app import create_app

    token = os.environ.get(TOKEN_ENV) or None
    check_exposure(host, token)
    store = Store.open(config)
    app = create_app(config, store, token)
    if is_postgresql(config.database_url):
        # GitHub webhooks queue runs, and the queue lives in PostgreSQL.
        from factory.queue.webhooks import github_webhook_router

        app.include_router(github_webhook_router(config, store))
    try:
        uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False)
    finally:
        app.state.actions.wait(timeout=60)
        store.close()
