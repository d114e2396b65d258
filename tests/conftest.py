"""Shared fixtures: a real lo-server process on loopback, and a loopback file server."""

from __future__ import annotations

import functools
import http.server
import threading
from pathlib import Path

import pytest

from tests.server_process import client, start_server


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    """One server for the API tests that do not restart it."""
    proc = start_server(tmp_path_factory.mktemp("lo-data"))
    yield proc
    proc.stop()


@pytest.fixture
def api(server):
    with client(server) as http:
        yield http


@pytest.fixture(scope="session")
def spark_server(tmp_path_factory):
    """One server for the Builder tests (its API and the upstream client's Titanic example):
    one worker, so every Builder job reuses one Spark session; no token, which the upstream
    client cannot send."""
    proc = start_server(tmp_path_factory.mktemp("lo-spark"), "--no-auth", "--workers", "1",
                        env={"LO_SPARK_MASTER": "local[2]", "LO_SPARK_SHUFFLE_PARTITIONS": "2"})
    yield proc
    proc.stop()


@pytest.fixture(scope="session")
def files(tmp_path_factory):
    """A directory served over http://127.0.0.1:<port>/ (datasets without the network)."""
    root = tmp_path_factory.mktemp("served")
    handler = functools.partial(_QuietHandler, directory=str(root))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield FileServer(root, f"http://127.0.0.1:{httpd.server_address[1]}")
    httpd.shutdown()


class FileServer:
    def __init__(self, root: Path, url: str):
        self.root = root
        self.url = url

    def add(self, name: str, content: str | bytes) -> str:
        path = self.root / name
        if isinstance(content, str):
            path.write_text(content)
        else:
            path.write_bytes(content)
        return f"{self.url}/{name}"


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass
