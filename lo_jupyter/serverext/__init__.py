"""The lo-jupyter Jupyter server extension: an authenticated proxy to the orchestration server
for the Orchestra sidebar (see handlers.py). Enabled by jupyter-config/server-config."""

from __future__ import annotations

from lo_jupyter.serverext.connection import OrchestraConnection
from lo_jupyter.serverext.handlers import default_handlers

__all__ = ["OrchestraConnection", "load"]


def load(serverapp) -> None:
    """Register the routes; the connection is configured by `c.OrchestraConnection.*`."""
    web_app = serverapp.web_app
    web_app.settings["lo_jupyter_connection"] = OrchestraConnection(parent=serverapp)
    web_app.add_handlers(".*$", default_handlers(web_app.settings["base_url"]))
    serverapp.log.info("lo-jupyter: Orchestra proxy at %slo-jupyter/api/",
                       web_app.settings["base_url"])


_load_jupyter_server_extension = load
