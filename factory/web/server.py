"""`serve`: the dashboard under uvicorn, on 127.0.0.1 unless told otherwise."""

from __future__ import annotations

import os

from factory.config import FactoryConfig
from factory.store import Store

TOKEN_ENV = "FACTORY_WEB_TOKEN"
DEFAULT_HOST = "127.0.0.1"


def serve(config: FactoryConfig, host: str = DEFAULT_HOST, port: int = 8765) -> None:
    import uvicorn

    from factory.web.app import create_app

    store = Store.open(config)
    app = create_app(config, store, os.environ.get(TOKEN_ENV) or None)
    try:
        uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False)
    finally:
        app.state.actions.wait(timeout=60)
        store.close()
