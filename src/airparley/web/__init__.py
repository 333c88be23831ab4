"""The desk in a browser: a static Leaflet UI served by the node, with an offline basemap (docs/ui.md).

``mount(app, node)`` adds the page (``/``), its files (``/static``) and the session endpoints
(``/api/v1/session``) to a node's app; ``session_officer`` and ``websocket_officer`` let the node's
routes accept the session cookie where they accept a bearer token.
"""

from airparley.web._routes import STATIC, SessionAuth, mount, session_officer, websocket_officer
from airparley.web._session import COOKIE, CSRF_HEADER, SECRET_ENV, Session, Sessions, secret_from_env

__all__ = [
    "COOKIE",
    "CSRF_HEADER",
    "SECRET_ENV",
    "STATIC",
    "Session",
    "SessionAuth",
    "Sessions",
    "mount",
    "secret_from_env",
    "session_officer",
    "websocket_officer",
]
