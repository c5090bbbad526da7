"""Who may act on the dashboard, and proof that a form came from the dashboard itself.

Actions need `FACTORY_WEB_TOKEN`: a person logs in with it and their name, and gets a session
cookie (HttpOnly, SameSite=Strict) whose server-side record holds that name (it goes into every
audit event they cause) and a CSRF token. Each form carries the CSRF token; a POST without a
session, or whose token differs from the session's, is refused. Without a configured token the
dashboard is read-only: there is nothing to log in with.

Beside the CSRF token, every POST must say it comes from the dashboard's own pages: its
`Origin` (or, where a browser sends none, its `Referer`) names the host the request was sent to.
A form on another site, or a request that names neither, is refused before any route runs
(defence in depth: a leaked or fixed CSRF token alone does not let another site act).
"""

from __future__ import annotations

import hmac
import ipaddress
import re
import secrets
import threading
from dataclasses import dataclass
from urllib.parse import urlsplit

from fastapi import Request

SESSION_COOKIE = "factory_session"
CSRF_FIELD = "csrf_token"
_NAME = re.compile(r"^[\w.@ -]{1,60}$")


class NotAllowed(Exception):
    """The request may not act: no token configured, not logged in, or a bad CSRF token."""

    def __init__(self, message: str, status: int = 403) -> None:
        super().__init__(message)
        self.status = status


async def refuse_cross_origin(request: Request) -> None:
    """A FastAPI dependency of every dashboard route: a POST must come from this dashboard."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    host = request.headers.get("host", "").lower()
    sent_from = request.headers.get("origin") or request.headers.get("referer")
    if not sent_from or sent_from == "null":
        raise NotAllowed("the request does not say which page sent it (no Origin or Referer)")
    if not host or urlsplit(sent_from).netloc.lower() != host:
        raise NotAllowed("a form from another site may not act on this dashboard")


def is_loopback(host: str) -> bool:
    """Whether listening on `host` reaches this machine only."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a host name may resolve to any interface


@dataclass(frozen=True)
class Session:
    who: str
    csrf: str


class Sessions:
    """Logged-in people, in memory: restarting the dashboard logs everyone out."""

    def __init__(self, token: str | None) -> None:
        self.token = token or None
        self._sessions: dict[str, Session] = {}
        self._lock = threading.Lock()

    @property
    def read_only(self) -> bool:
        return self.token is None

    def login(self, token: str, who: str) -> str:
        """A new session id for the right token; NotAllowed otherwise."""
        if self.token is None:
            raise NotAllowed("the dashboard is read-only: start it with FACTORY_WEB_TOKEN set")
        if not hmac.compare_digest(token.encode(), self.token.encode()):
            raise NotAllowed("wrong token", status=401)
        who = who.strip()
        if not _NAME.match(who):
            raise NotAllowed("give your name (letters, digits, . @ - _ and spaces)", status=400)
        session_id = secrets.token_urlsafe(32)
        with self._lock:
            self._sessions[session_id] = Session(who=who, csrf=secrets.token_urlsafe(32))
        return session_id

    def logout(self, session_id: str | None) -> None:
        with self._lock:
            self._sessions.pop(session_id or "", None)

    def find(self, session_id: str | None) -> Session | None:
        if not session_id or self.token is None:
            return None
        with self._lock:
            return self._sessions.get(session_id)

    def authorize(self, session_id: str | None, csrf: str | None) -> Session:
        """The session allowed to act, or NotAllowed naming what is missing."""
        if self.token is None:
            raise NotAllowed("the dashboard is read-only: start it with FACTORY_WEB_TOKEN set")
        session = self.find(session_id)
        if session is None:
            raise NotAllowed("log in with the dashboard token first", status=401)
        if not csrf or not hmac.compare_digest(csrf.encode(), session.csrf.encode()):
            raise NotAllowed("the form's CSRF token is missing or wrong; reload the page")
        return session
