"""The running service: FastAPI app, auth, party visibility, WebSocket events, scheduler."""

from airparley.node._app import create_app
from airparley.node._core import Node, utc_now
from airparley.node._settings import SETTINGS, NodeSettings, Setting, settings_from_env
from airparley.node._simlag import tell_lag

__all__ = ["SETTINGS", "Node", "NodeSettings", "Setting", "create_app", "settings_from_env", "tell_lag", "utc_now"]
