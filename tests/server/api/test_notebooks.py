"""Shared notebooks through the HTTP API: publish, versions, runs with parameters, schedules."""

import datetime as dt
import json
import time
import uuid

import nbformat
import pytest

from tests.server_process import client, start_server, wait_terminal


def notebook(*sources, parameters=None) -> bytes:
    cells = []
    if parameters is not None:
        cells.append(nbformat.v4.new_code_cell(parameters, metadata={"tags": ["parameters"]}))
    cells += [nbformat.v4.new_code_cell(source) for source in sources]
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    return nbformat.writes(nb).encode()


def unique(prefix="nb"):
    return f"{prefix}_{uuid.uuid4().hex[:8]}"


def publish(api, name, body):
    response = api.put(f"/notebooks/{name}", content=body,
                       headers={"Content-Type": "application/x-ipynb+json"})
    assert response.status_code == 201, response.text
    return response.json()["result"]


def test_publish_keeps_every_version(api):
    name = unique()
    first = publish(api, name, notebook("x = 1"))
    second = publish(api, name, notebook("x = 2", "print(x)"))
    assert (first["version"], second["version"]) == (1, 2)
    versions = api.get(f"/notebooks/{name}/versions").json()["result"]
    assert [v["version"] for v in versions] == [1, 2] and versions[1]["cells"] == 2
    latest = api.get(f"/notebooks/{name}").json()["result"]
    assert nbformat.reads(json.dumps(latest), as_version=4).cells[0].source == "x = 2"
    old = api.get(f"/notebooks/{name}", params={"version": 1}).json()["result"]
    assert nbformat.reads(json.dumps(old), as_version=4).cells[0].source == "x = 1"
    assert name in [n["name"] for n in api.get("/notebooks").json()["result"]]
    assert api.get(f"/notebooks/{name}", params={"version": 3}).status_code == 404


@pytest.mark.parametrize("body, words", [
    (b"not json", "invalid notebook"),
    (json.dumps({"cells": "nope"}).encode(), "invalid notebook"),
    (b"\xff\xfe", "invalid notebook"),
])
def test_invalid_notebooks_are_refused(api, body, words):
    response = api.put(f"/notebooks/{unique()}", content=body)
    assert response.status_code == 406 and words in response.json()["result"]


def test_run_with_parameters_stores_the_executed_notebook(api):
    name = unique()
    publish(api, name, notebook("print(greeting * times)", parameters="greeting = 'hi'\n"
                                                                       "times = 1"))
    response = api.post(f"/notebooks/{name}/run",
                        json={"parameters": {"greeting": "ho", "times": 3}})
    assert response.status_code == 201, response.text
    run = response.json()["result"]["uri"].split("/")[-1].split("?")[0]
    assert run == f"{name}_run1"
    doc = wait_terminal(api, run, timeout=120)
    assert doc["status"] == "finished" and doc["type"] == "notebook/run"
    assert doc["parameters"] == {"greeting": "ho", "times": 3} and doc["format"] == "ipynb"
    executed = nbformat.reads(api.get(f"/artifacts/{run}/download").text, as_version=4)
    injected = executed.cells[1]
    assert "injected-parameters" in injected.metadata["tags"]
    assert executed.cells[2].outputs[0]["text"] == "hohoho\n"


def test_a_broken_notebook_fails_with_the_failing_cell_and_its_traceback(api):
    name = unique()
    publish(api, name, notebook("print('before')", "raise ValueError('broken cell')"))
    run = api.post(f"/notebooks/{name}/run", json={}).json()["result"]["uri"]
    run = run.split("/")[-1].split("?")[0]
    doc = wait_terminal(api, run, timeout=120)
    assert doc["status"] == "failed"
    assert doc["error"]["message"] == "NotebookFailed: cell 2: ValueError: broken cell"
    assert "raise ValueError('broken cell')" in doc["error"]["traceback"]


def test_run_errors(api):
    assert api.post("/notebooks/missing_nb/run", json={}).status_code == 404
    name = unique()
    publish(api, name, notebook("1"))
    for body, status in [({"cron": "not a cron"}, 406), ({"at": "yesterday"}, 406),
                         ({"at": "2000-01-01T00:00:00"}, 406),
                         ({"at": "2100-01-01T00:00:00", "cron": "* * * * *"}, 400),
                         ({"version": 9}, 404), ({"parameters": []}, 400)]:
        response = api.post(f"/notebooks/{name}/run", json=body)
        assert response.status_code == status, (body, response.text)


def test_an_at_schedule_fires_once(api):
    name = unique()
    publish(api, name, notebook("print('scheduled')"))
    at = (dt.datetime.now(dt.UTC) + dt.timedelta(seconds=2)).isoformat()
    schedule = api.post(f"/notebooks/{name}/run", json={"at": at}).json()["result"]
    assert schedule["next"] is not None and schedule["runs"] == []
    run = f"{name}_run1"
    for _ in range(200):
        if api.get(f"/artifacts/{run}").status_code == 200:
            break
        time.sleep(0.1)
    assert wait_terminal(api, run, timeout=120)["status"] == "finished"
    time.sleep(2)
    [after] = [s for s in api.get("/notebooks/schedules").json()["result"]
               if s["id"] == schedule["id"]]
    assert after["runs"] == [run] and after["next"] is None
    assert api.get(f"/artifacts/{name}_run2").status_code == 404
    assert api.delete(f"/notebooks/schedules/{schedule['id']}").status_code == 200


@pytest.mark.slow
def test_a_cron_schedule_survives_a_restart(tmp_path):
    server = start_server(tmp_path)
    with client(server) as api:
        publish(api, "ticker", notebook("print('tick')"))
        schedule = api.post("/notebooks/ticker/run", json={"cron": "* * * * *"}).json()
    server.stop()
    restarted = start_server(tmp_path)
    try:
        with client(restarted) as api:
            [kept] = api.get("/notebooks/schedules").json()["result"]
            assert kept["id"] == schedule["result"]["id"] and kept["cron"] == "* * * * *"
            deadline = time.monotonic() + 75  # the next minute's tick, plus slack
            while api.get("/artifacts/ticker_run1").status_code == 404:
                assert time.monotonic() < deadline, "the cron schedule never fired"
                time.sleep(0.5)
            assert wait_terminal(api, "ticker_run1", timeout=120)["status"] == "finished"
            assert api.delete("/notebooks/ticker").json() == {"result": "deleted notebook"}
            assert api.get("/notebooks/schedules").json()["result"] == []
    finally:
        restarted.stop()
