"""Hostile user code in Function jobs and `#` expressions.

Provokes: exits, crashes, endless loops, memory exhaustion, floods of output, results that
cannot be stored, and attempts to read the server's secrets.
Nothing lost means: the job fails with a reason the user can act on, the server keeps
serving, and the next job runs normally.
"""

import uuid

import pytest

from tests.server_process import client, start_server, wait_terminal

CASES = [
    # (code, parameters, request timeout, words expected in the error message)
    ("import sys\nsys.exit(2)", {}, None, "SystemExit: 2"),
    ("import os\nos._exit(1)", {}, None, "worker process died"),
    ("while True:\n    pass", {}, 2, "timed out after 2 s"),
    ("chunks = []\nwhile True:\n    chunks.append(bytearray(64 * 1024 * 1024))", {}, 60,
     "worker process died"),
    ("import threading\nresponse = threading.Lock()", {}, None, "pickle"),
    ("response = (i for i in range(3))", {}, None, "pickle"),
    ("response = x", {"x": "#__import__('os')._exit(3)"}, None, "worker process died"),
    ("response = x", {"x": "#1/0"}, None, "ZeroDivisionError"),
    ("raise KeyboardInterrupt", {}, None, "KeyboardInterrupt"),
]


@pytest.fixture(scope="module")
def hardened(tmp_path_factory):
    server = start_server(tmp_path_factory.mktemp("hostile"), "--token", "secret-token",
                          env={"LO_WORKER_MEMORY": "700MiB"})
    yield server
    server.stop()


@pytest.mark.slow
@pytest.mark.parametrize("code, params, timeout, words", CASES,
                         ids=[c[3] for c in CASES])
def test_hostile_code_fails_its_job_only(hardened, code, params, timeout, words):
    name = f"hostile_{uuid.uuid4().hex[:6]}"
    with client(hardened) as api:
        response = api.post("/function/python", json={
            "name": name, "function": code, "functionParameters": params, "timeout": timeout})
        assert response.status_code == 201, response.text
        doc = wait_terminal(api, name, timeout=90)
        assert doc["status"] == "failed", doc
        assert words in doc["error"]["message"], doc["error"]
        assert api.get("/health").status_code == 200
        after = f"after_{uuid.uuid4().hex[:6]}"
        api.post("/function/python", json={"name": after, "function": "response = 42"})
        after_doc = wait_terminal(api, after, timeout=90)
        assert after_doc["status"] == "finished", after_doc["error"]


@pytest.mark.slow
def test_a_flood_of_output_is_truncated_with_a_note(hardened):
    with client(hardened) as api:
        api.post("/function/python", json={
            "name": "flood", "function": "for _ in range(100):\n    print('x' * 1_000_000)\n"
                                         "response = None"})
        assert wait_terminal(api, "flood", timeout=90)["status"] == "finished"
        [run] = api.get("/function/python/flood", params={"skip": 1}).json()["result"]
        message = run["functionMessage"]
        assert len(message) < 1_100_000
        assert message.endswith("[output truncated: 99000100 more characters]")


def test_user_code_sees_no_secrets(hardened):
    code = ("import os\n"
            "response = sorted(k for k, v in os.environ.items()\n"
            "                  if 'TOKEN' in k or 'MONGO' in k or 'secret-token' in v)\n"
            "print(response)")
    with client(hardened) as api:
        api.post("/function/python", json={"name": "snoop", "function": code})
        assert wait_terminal(api, "snoop")["status"] == "finished"
        [run] = api.get("/function/python/snoop", params={"skip": 1}).json()["result"]
        assert run["functionMessage"] == "[]\n"
