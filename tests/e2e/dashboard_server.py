"""The dashboard on a real uvicorn server, on 127.0.0.1 and an ephemeral port, in a thread."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn

from factory.config import FactoryConfig
from factory.store import Store
from factory.web.app import create_app


@contextmanager
def dashboard(config: FactoryConfig, token: str | None) -> Iterator[str]:
    """Serve the dashboard; yields its base URL; stops it (and waits for actions) on exit."""
    store = Store.open(config)
    app = create_app(config, store, token)
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the dashboard did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(30)
        app.state.actions.wait(timeout=300)
        listener.close()
        store.close()
