"""Upstream response treatment, the REST Observer and token handling (compat/_base.py)."""

import json
import logging
import threading
import time

import httpx
import pytest

from lo_jupyter.compat import FunctionPython, Observer
from lo_jupyter.compat._base import treat
from lo_jupyter.errors import JobFailed, OrchestraError, WaitTimeout
from tests.jupyter.conftest import unique


def response(status, body):
    return httpx.Response(status, json=body, request=httpx.Request("GET", "http://x"))


def test_treat_keeps_upstreams_return_convention(caplog):
    assert treat(response(201, {"result": "/uri"})) == {"result": "/uri"}
    assert json.loads(treat(response(200, {"result": [1]}), True)) == {"result": [1]}
    assert treat(response(200, {"b": 1, "a": 2}), True) == '{\n    "a": 2,\n    "b": 1\n}'
    with caplog.at_level(logging.WARNING, "lo_jupyter.compat"):
        assert treat(response(409, {"result": "duplicated name: 'x'"})) == {}
        assert treat(httpx.Response(500, text="boom", request=httpx.Request("GET", "http://x"))
                     ) is None
    assert "duplicated name: 'x'" in caplog.text and "boom" in caplog.text


def test_observer_waits_raises_for_failures_and_enforces_timeouts(server):
    functions = FunctionPython(server.url, token=server.token)
    observer = Observer(server.url, token=server.token)
    good, bad, slow = unique("ok"), unique("bad"), unique("slow")
    functions.run_function_async(good, {}, "response = 1")
    functions.run_function_async(bad, {}, "raise ValueError('no')")
    functions.run_function_async(slow, {}, "import time\ntime.sleep(30)\nresponse = 1")
    assert observer.wait(good, timeout=60)["finished"] is True
    with pytest.raises(JobFailed, match="ValueError: no"):
        observer.wait(bad, timeout=60)
    started = time.monotonic()
    with pytest.raises(WaitTimeout):
        observer.wait(slow, timeout=1)
    assert time.monotonic() - started < 10
    functions._client.cancel(slow)
    with pytest.raises(OrchestraError) as missing:
        observer.wait("never_posted")
    assert missing.value.status == 404


def test_observe_pipe_yields_change_events(server):
    functions = FunctionPython(server.url, token=server.token)
    observer = Observer(server.url, token=server.token)
    name = unique("pipe")
    changes = []
    listening = threading.Event()

    def follow():
        for change in observer.observe_pipe(name, timeout=20, on_open=listening.set):
            changes.append(change)
            if change["operationType"] == "delete":
                return

    reader = threading.Thread(target=follow)
    reader.start()
    assert listening.wait(30)
    functions.run_function_sync(name, {}, "response = 1")
    functions.delete_execution(name)
    reader.join(30)
    updates = [c["fullDocument"]["status"] for c in changes if c["operationType"] == "update"]
    assert "finished" in updates
    assert changes[-1] == {"operationType": "delete", "documentKey": {"_id": 0}}


def test_token_from_environment_and_missing_token(server, monkeypatch):
    monkeypatch.setenv("LO_TOKEN", server.token)
    assert FunctionPython(server.url).search_all_executions()["result"] is not None
    monkeypatch.delenv("LO_TOKEN")
    monkeypatch.setenv("LO_DATA_DIR", "/nonexistent-lo-data")
    assert FunctionPython(server.url).search_all_executions() == {}  # 401, upstream-style
