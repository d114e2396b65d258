"""pytest-jupyter's server fixtures (jp_fetch, jp_serverapp, ...) for the server-extension
tests only: imported here, so the rest of the suite does not start Jupyter machinery."""

from __future__ import annotations

import socket

import pytest
from pytest_jupyter.jupyter_server import *  # noqa: F403 (fixtures and the async test hook)


@pytest.fixture
def orchestra_config(server):
    """The OrchestraConnection config of the test; tests override it to break the link."""
    return {"url": server.url, "token": server.token}


@pytest.fixture
def jp_server_config(orchestra_config, monkeypatch):
    for var in ("LO_URL", "LO_TOKEN", "LO_DATA_DIR"):
        monkeypatch.delenv(var, raising=False)
    return {
        "ServerApp": {"jpserver_extensions": {"lo_jupyter": True},
                      "allow_unauthenticated_access": False},
        "OrchestraConnection": orchestra_config,
    }


@pytest.fixture
def jupyter_url(jp_serverapp, http_server_client, jp_http_port, jp_base_url):
    """The listening Jupyter server's base URL, for clients other than jp_fetch (streams)."""
    return f"http://127.0.0.1:{jp_http_port}{jp_base_url}"


@pytest.fixture
def closed_port():
    """A loopback port nothing listens on (a stopped orchestration server)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
