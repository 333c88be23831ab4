"""The desk in a browser: a static Leaflet UI served by the node, with an offline basemap (docs/ui.md).

``desk_app(node)`` is the node's app with the desk mounted. ``mount(app, node)`` adds the page (``/``), its
files (``/static``) and the session endpoints (``/api/v1/session``) to a node's app, and registers
``session_officer`` and ``websocket_officer`` on it, so the node's routes accept the session cookie where
they accept a bearer token (the node never imports web: an import contract keeps it so).
"""

from airparley.web._routes import STATIC, SessionAuth, desk_app, mount, session_officer, websocket_officer
from airparley.web._session import COOKIE, CSRF_HEADER, SECRET_ENV, Session, Sessions, secret_from_env

__all__ = [
    "COOKIE",
    "CSRF_HEADER",
    "SECRET_ENV",
    "STATIC",
    "Session",
    "SessionAuth",
    "Sessions",
    "desk_app",
    "mount",
    "secret_from_env",
    "session_officer",
    "websocket_officer",
]
