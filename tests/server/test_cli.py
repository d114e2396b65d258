"""`lo-server start|status|stop` as a user runs them, and recovery after `kill -9`."""

import json
import signal
import subprocess
import sys
import time

import pytest

from tests.server_process import client, start_server, wait_terminal

LONG_JOB = "import time\ntime.sleep({seconds})\nprint('done')\nresponse = 'ok'"


def lo_server(*args, **kwargs):
    return subprocess.run([sys.executable, "-m", "lo_server.cli", *args], capture_output=True,
                          text=True, timeout=60, **kwargs)


def test_start_status_stop(tmp_path):
    server = start_server(tmp_path)
    info = json.loads((tmp_path / "server.json").read_text())
    assert info["url"] == server.url and info["token"] == server.token
    assert info["pid"] == server.process.pid and len(info["workers"]) == 2
    status = lo_server("status", "--data-dir", str(tmp_path))
    assert status.returncode == 0 and "healthy" in status.stdout
    again = lo_server("start", "--data-dir", str(tmp_path), "--port", "0")
    assert again.returncode == 1 and "already running" in again.stderr
    stop = lo_server("stop", "--data-dir", str(tmp_path))
    assert stop.returncode == 0 and "stopped" in stop.stdout
    server.process.wait(10)
    assert not (tmp_path / "server.json").exists()
    for pid in info["workers"]:
        assert not _alive(pid), "a worker outlived lo-server stop"
    assert lo_server("status", "--data-dir", str(tmp_path)).returncode == 1


def test_token_is_generated_once_and_kept(tmp_path):
    first = start_server(tmp_path)
    first.stop()
    second = start_server(tmp_path)
    second.stop()
    assert first.token and first.token == second.token
    assert (tmp_path / "token").stat().st_mode & 0o077 == 0


def test_no_auth_is_refused_off_loopback(tmp_path):
    result = lo_server("start", "--data-dir", str(tmp_path), "--host", "0.0.0.0", "--no-auth")
    assert result.returncode == 2 and "loopback" in result.stderr


def test_no_auth_on_loopback_needs_no_token(tmp_path):
    server = start_server(tmp_path, "--no-auth")
    try:
        assert server.token == ""
        with client(server) as api:
            assert api.get("/artifacts").status_code == 200
    finally:
        server.stop()


def test_workers_see_no_secrets(tmp_path):
    server = start_server(tmp_path, "--token", "s3cret-token",
                          env={"LO_MONGO_URL": "", "LO_TOKEN": "from-env"})
    try:
        with client(server) as api:
            api.post("/function/python", json={
                "name": "env_probe", "function": "import os\nresponse = {k: v for k, v in "
                "os.environ.items() if k.startswith('LO_') or 's3cret' in v}"})
            assert wait_terminal(api, "env_probe")["status"] == "finished"
            api.post("/function/python", json={
                "name": "env_show", "function": "print(sorted(env))\nresponse = None",
                "functionParameters": {"env": "$env_probe"}})
            wait_terminal(api, "env_show")
            runs = api.get("/function/python/env_show", params={"skip": 1}).json()["result"]
            assert runs[0]["functionMessage"] == "[]\n"
    finally:
        server.stop()


@pytest.mark.slow
def test_kill_9_mid_job_resubmits_it_once(tmp_path):
    server = start_server(tmp_path)
    with client(server) as api:
        api.post("/function/python", json={"name": "long", "function": LONG_JOB.format(
            seconds=4)})
        _wait_status(api, "long", "running")
    server.stop(signal.SIGKILL)
    restarted = start_server(tmp_path)
    try:
        with client(restarted) as api:
            doc = wait_terminal(api, "long", timeout=60)
            assert doc["status"] == "finished"
            runs = api.get("/function/python/long", params={"skip": 1}).json()["result"]
            assert [r["functionMessage"] for r in runs] == ["done\n"]
            assert api.get("/health").status_code == 200
    finally:
        restarted.stop()


@pytest.mark.slow
def test_a_job_interrupted_twice_fails_as_interrupted(tmp_path):
    server = start_server(tmp_path)
    with client(server) as api:
        api.post("/function/python", json={"name": "long", "function": LONG_JOB.format(
            seconds=60)})
        _wait_status(api, "long", "running")
    server.stop(signal.SIGKILL)
    second = start_server(tmp_path)
    with client(second) as api:
        _wait_status(api, "long", "running")
    second.stop(signal.SIGKILL)
    third = start_server(tmp_path)
    try:
        with client(third) as api:
            doc = wait_terminal(api, "long", timeout=10)
            assert doc["status"] == "failed"
            assert doc["error"]["message"].startswith("interrupted")
            assert api.get("/artifacts").json()["result"][0]["status"] == "failed"
    finally:
        third.stop()


def _wait_status(api, name, status, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if api.get(f"/artifacts/{name}").json()["result"]["status"] == status:
            return
        time.sleep(0.1)
    raise AssertionError(f"{name} never became {status}")


def _alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False
