"""Helpers for tests that talk to a real `lo-server` process over HTTP."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import httpx

from lo_jupyter import embedded


def start_server(data_dir: Path, *args: str, env: dict | None = None) -> embedded.EmbeddedServer:
    return embedded.start(data_dir, *args, env=env)


def client(server: embedded.EmbeddedServer, **kwargs) -> httpx.Client:
    headers = {"Authorization": f"Bearer {server.token}"} if server.token else {}
    return httpx.Client(base_url=server.api, headers=headers, timeout=60, **kwargs)


def wait_terminal(api: httpx.Client, name: str, timeout: float = 60) -> dict:
    """Long-poll /observe until the artifact is terminal; fail the test on a 408."""
    deadline = time.monotonic() + timeout
    while True:
        remaining = max(deadline - time.monotonic(), 0)
        response = api.get(f"/observe/{name}", params={"timeout": min(remaining, 30)})
        if response.status_code == 200:
            return response.json()["result"]
        assert response.status_code == 408, response.text
        if time.monotonic() >= deadline:
            raise AssertionError(f"{name} did not end within {timeout} s")


def ended(pid: int, timeout: float) -> bool:
    """Whether process `pid` is gone within `timeout` seconds."""
    import psutil

    try:
        _, alive = psutil.wait_procs([psutil.Process(pid)], timeout=timeout)
    except psutil.NoSuchProcess:
        return True
    return not alive


def stop_process(process: subprocess.Popen, grace: float = 10) -> None:
    """Terminate a process the test started; kill it if it is still there after `grace` s."""
    if process.poll() is None:
        process.terminate()
    try:
        process.wait(grace)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(10)


def rss_mib(pid: int) -> float:
    """Resident memory of a process, from /proc."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for pid {pid}")
