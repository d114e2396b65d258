"""Fixtures for the notebook side: a client and an IPython shell bound to a real server."""

from __future__ import annotations

import signal
import uuid

import pytest

from lo_jupyter.client import Orchestra


def unique(prefix: str = "nb") -> str:
    return f"{prefix}_{uuid.uuid4().hex[:8]}"


@pytest.fixture
def orchestra(server):
    with Orchestra(server.url, server.token) as client:
        yield client


@pytest.fixture(scope="session")
def routes(server):
    """(method, path) of every route the running server has: tests of services still being
    built elsewhere skip (saying what they wait for) until their routes exist."""
    with Orchestra(server.url, server.token) as client:
        spec = client.request("GET", "/openapi.json").json()
    prefix = "/api/learningOrchestra/v1"
    return {(method.upper(), path.removeprefix(prefix))
            for path, item in spec["paths"].items() for method in item}


def require(routes, method: str, path: str, issue: str) -> None:
    if (method, path) not in routes:
        pytest.skip(f"waiting for {issue}: the server has no {method} {path} yet")


@pytest.fixture(scope="session")
def shell():
    """One IPython shell for the session (IPython's own test shell), with lo_jupyter loaded."""
    from IPython.testing.globalipapp import start_ipython

    ip = start_ipython()
    ip.extension_manager.load_extension("lo_jupyter")
    return ip


@pytest.fixture
def ip(shell, server):
    """The shell with a fresh client on the test server and default settings (isolation)."""
    magics = shell._lo_magics
    magics.client = Orchestra(server.url, server.token)
    magics.tick = 600.0  # no progress lines unless a test asks for them (outputs stay exact)
    magics.wait_timeout = 120.0
    previous = set(shell.user_ns)
    handler = signal.getsignal(signal.SIGINT)
    signal.signal(signal.SIGINT, signal.default_int_handler)  # Ctrl-C raises, as in a kernel
    yield shell
    signal.signal(signal.SIGINT, handler)
    if magics.panel is not None:
        magics.panel.stop()
        magics.panel = None
    magics.client.close()
    magics.client = None
    for name in set(shell.user_ns) - previous:
        shell.user_ns.pop(name, None)
