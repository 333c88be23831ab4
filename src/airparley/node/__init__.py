"""The running service: FastAPI app, auth, party visibility, WebSocket events, scheduler."""

from airparley.node._app import create_app
from airparley.node._core import Node, utc_now
from airparley.node._settings import SETTINGS, NodeSettings, Setting, settings_from_env

__all__ = ["SETTINGS", "Node", "NodeSettings", "Setting", "create_app", "settings_from_env", "utc_now"]
