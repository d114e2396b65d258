"""Start a throwaway MongoDB wire-protocol server (nx-27017, SQLite-backed) for tests.

No real mongod can be installed on these machines; nx-27017 comes from PyPI and speaks the same
protocol, in memory, on loopback only.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.server_process import stop_process

STARTUP_TIMEOUT_S = 20.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _executable() -> str:
    """The console script next to this interpreter first: the venv need not be on PATH."""
    beside = Path(sys.executable).parent / "nx-27017"
    found = str(beside) if beside.exists() else shutil.which("nx-27017")
    if not found:
        raise RuntimeError("nx-27017 is not installed (pip install nx-27017)")
    return found


def _accepts(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def start_mongo_server(workdir: str | Path | None = None) -> tuple[str, subprocess.Popen]:
    """Start nx-27017 in memory on a free loopback port; return (mongodb URL, process).

    Its log and PID file go to `workdir` (a new temporary directory if None): with the default
    shared PID file, a second server on the machine would refuse to start. Stop the process with
    stop_mongo_server().
    """
    workdir = Path(workdir or tempfile.mkdtemp(prefix="nx-27017-"))
    workdir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    output = workdir / "output.log"
    command = [
        _executable(), "--db", "memory", "--host", "127.0.0.1", "-p", str(port),
        "--log-file", str(workdir / "server.log"), "--pid-file", str(workdir / "server.pid"),
    ]  # fmt: skip
    with open(output, "wb") as sink:
        process = subprocess.Popen(command, stdout=sink, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while not _accepts(port):
        if process.poll() is not None or time.monotonic() > deadline:
            exited = process.poll() is not None
            reason = f"exited with code {process.returncode}" if exited else "timed out"
            stop_mongo_server(process)
            raise RuntimeError(
                f"nx-27017 did not start listening on 127.0.0.1:{port} ({reason}); "
                f"output:\n{output.read_text(errors='replace')[-2000:]}"
            )
        time.sleep(0.05)
    return f"mongodb://127.0.0.1:{port}/", process


def stop_mongo_server(process: subprocess.Popen) -> None:
    """Terminate the server (it exits cleanly on SIGTERM), killing it if it hangs."""
    stop_process(process, 5)
