"""Function jobs through the HTTP API of a real server process."""

import uuid

import pytest

from tests.server_process import wait_terminal


def unique(prefix="fn"):
    return f"{prefix}_{uuid.uuid4().hex[:8]}"


def run_function(api, code, params=None, name=None, **extra):
    name = name or unique()
    response = api.post("/function/python", json={
        "name": name, "description": "test", "function": code,
        "functionParameters": params or {}, **extra})
    assert response.status_code == 201, response.text
    assert response.json()["result"] == \
        f"/api/learningOrchestra/v1/function/python/{name}?query={{}}&limit=20&skip=0"
    return name, wait_terminal(api, name)


def executions(api, name):
    return api.get(f"/function/python/{name}", params={"skip": 1}).json()["result"]


def test_success_records_output_and_metadata(api):
    name, doc = run_function(api, "print('hi', x)\nresponse = x * 2", {"x": 21})
    assert doc["status"] == "finished" and doc["finished"] is True
    assert doc["type"] == "function/python" and doc["format"] == "pickle"
    assert doc["durationSeconds"] >= 0 and doc["finishedAt"] >= doc["startedAt"]
    assert doc["progress"]["fraction"] == 1.0
    [run] = executions(api, name)
    assert run["_id"] == 1 and run["exception"] is None
    assert run["functionMessage"] == "hi 21\n"
    assert run["functionParameters"] == {"x": 21}


def test_observe_can_bring_the_output_of_the_run_it_waited_for(api):
    name, doc = run_function(api, "print('first')\nresponse = 1")
    assert "output" not in doc  # only on request: upstream's observe answer is unchanged
    answer = api.get(f"/observe/{name}", params={"output": "true"}).json()["result"]
    assert answer["output"] == "first\n" and answer["jobId"] == doc["jobId"]
    assert api.patch(f"/function/python/{name}", json={
        "function": "print('second')\nraise ValueError('no')", "functionParameters": {},
        "description": ""}).status_code == 201
    failed = wait_terminal(api, name)
    answer = api.get(f"/observe/{name}", params={"output": "true"}).json()["result"]
    assert answer["status"] == "failed" and answer["output"] == "second\n"
    assert answer["jobId"] == failed["jobId"] != doc["jobId"]


def test_wait_answers_the_submit_once_the_job_ended(api):
    """?wait=S: one request runs a short job and brings its ending and output."""
    name = unique("wait")
    body = {"name": name, "function": "print('quick')\nresponse = 3"}
    response = api.post("/function/python", params={"wait": 30}, json=body)
    assert response.status_code == 201, response.text
    answer = response.json()
    assert answer["result"].startswith(f"/api/learningOrchestra/v1/function/python/{name}?")
    assert answer["artifact"]["status"] == "finished"
    assert answer["artifact"]["output"] == "quick\n"
    patched = api.patch(f"/function/python/{name}", params={"wait": 30},
                        json={"function": "print('again')\nraise ValueError('no')"})
    assert patched.status_code == 201, patched.text
    doc = patched.json()["artifact"]
    assert doc["status"] == "failed" and doc["output"] == "again\n"
    assert "ValueError: no" in doc["error"]["message"]
    assert doc["jobId"] != answer["artifact"]["jobId"]


def test_wait_answers_with_the_running_job_when_it_takes_longer(api):
    name = unique("waitslow")
    response = api.post("/function/python", params={"wait": 0.3}, json={
        "name": name, "function": "import time\ntime.sleep(1.5)\nresponse = 1"})
    assert response.status_code == 201, response.text
    assert response.json()["artifact"]["status"] in ("queued", "running")
    assert wait_terminal(api, name)["status"] == "finished"
    for bad in (-1, 61, "soon"):
        refused = api.post("/function/python", params={"wait": bad},
                           json={"name": unique(), "function": "response = 1"})
        assert refused.status_code == 400 and "wait" in refused.json()["result"]


def test_large_output_takes_the_result_path_and_arrives_whole(api):
    """Summaries over the event limit are fetched from the worker instead: same outcome."""
    name, doc = run_function(api, "print('y' * 40000)\nresponse = 2")
    answer = api.get(f"/observe/{name}", params={"output": "true"}).json()["result"]
    assert doc["status"] == "finished" and answer["output"] == "y" * 40000 + "\n"


def test_upstream_global_idiom_and_plain_helpers_both_work(api):
    code = ("import math\n"
            "def f():\n    global math\n    return math.floor(2.5)\n"
            "def g():\n    return math.ceil(2.5)\n"
            "response = [f(), g()]")
    _, doc = run_function(api, code)
    assert doc["status"] == "finished"


def test_user_exception_fails_the_job_with_traceback(api):
    name, doc = run_function(api, "print('partial')\nraise ValueError('bad input')")
    assert doc["status"] == "failed" and doc["finished"] is False
    assert doc["error"]["message"] == "ValueError: bad input"
    assert "raise ValueError" in doc["error"]["traceback"]
    [run] = executions(api, name)
    assert run["exception"] == "ValueError: bad input" and run["functionMessage"] == "partial\n"


def test_references_chain_functions_and_record_parents(api):
    first, _ = run_function(api, "response = {'values': [1, 2, 3]}")
    second, doc = run_function(api, "print(sum(v))\nresponse = None",
                               {"v": f"${first}.values"})
    assert doc["status"] == "finished" and doc["parents"] == [first]
    assert executions(api, second)[0]["functionMessage"] == "6\n"


def test_progress_reaches_the_metadata_while_running(api):
    code = ("import time\nprogress(0.5, 'half way')\ntime.sleep(3)\nresponse = None")
    name = unique()
    api.post("/function/python", json={"name": name, "function": code})
    seen = None
    for _ in range(50):
        doc = api.get(f"/artifacts/{name}").json()["result"]
        if doc["progress"]["message"] == "half way":
            seen = doc
            break
        import time
        time.sleep(0.1)
    assert seen is not None and seen["status"] == "running"
    assert seen["progress"]["fraction"] == 0.5
    assert wait_terminal(api, name)["status"] == "finished"


def test_timeout_fails_the_job_and_the_worker_recovers(api):
    name, doc = run_function(api, "import time\ntime.sleep(60)\nresponse = None", timeout=1.5)
    assert doc["status"] == "failed"
    assert doc["error"]["message"].startswith("timed out after 1.5 s")
    _, after = run_function(api, "response = 1")
    assert after["status"] == "finished"


@pytest.mark.parametrize("state", ["queued", "running"])
def test_cancel(api, state):
    blockers = []
    if state == "queued":  # occupy both workers so the job waits in the queue
        for _ in range(2):
            blocker = unique("block")
            api.post("/function/python", json={
                "name": blocker, "function": "import time\ntime.sleep(30)\nresponse = None"})
            blockers.append(blocker)
    name = unique()
    api.post("/function/python", json={
        "name": name, "function": "import time\ntime.sleep(30)\nresponse = None"})
    if state == "running":
        for _ in range(100):
            if api.get(f"/artifacts/{name}").json()["result"]["status"] == "running":
                break
            import time
            time.sleep(0.1)
    assert api.get(f"/artifacts/{name}").json()["result"]["status"] == state
    response = api.post(f"/observe/{name}/cancel")
    assert response.status_code == 200, response.text
    doc = wait_terminal(api, name, timeout=10)
    assert doc["status"] == "cancelled" and doc["finished"] is False
    assert api.post(f"/observe/{name}/cancel").status_code == 409
    for blocker in blockers:
        api.post(f"/observe/{blocker}/cancel")
    _, after = run_function(api, "response = 2")
    assert after["status"] == "finished"


def test_patch_reruns_with_new_code(api):
    name, _ = run_function(api, "response = 1")
    response = api.patch(f"/function/python/{name}",
                         json={"function": "print('second')\nresponse = 2"})
    assert response.status_code == 201, response.text
    doc = wait_terminal(api, name)
    assert doc["status"] == "finished"
    runs = executions(api, name)
    assert [r["_id"] for r in runs] == [1, 2] and runs[1]["functionMessage"] == "second\n"


def test_delete_refuses_while_used_and_then_removes(api):
    parent, _ = run_function(api, "response = [1]")
    child, _ = run_function(api, "response = v", {"v": f"${parent}"})
    refused = api.delete(f"/function/python/{parent}")
    assert refused.status_code == 409 and child in refused.json()["result"]
    assert api.delete(f"/function/python/{child}").json() == {"result": "deleted file"}
    assert api.delete(f"/function/python/{parent}").status_code == 200
    assert api.get(f"/artifacts/{parent}").status_code == 404
    assert api.get(f"/observe/{parent}").status_code == 404


def test_listing_by_type_and_everything(api):
    name, _ = run_function(api, "response = None")
    listed = [d["name"] for d in api.get("/function/python").json()["result"]]
    assert name in listed
    everything = api.get("/artifacts").json()["result"]
    assert any(d["name"] == name and d["parents"] == [] for d in everything)
