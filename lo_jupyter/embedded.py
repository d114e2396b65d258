"""Start a local `lo-server` as a child process and wait until it is ready.

Used by `%lo_connect` with no URL, by `make demo` and by the tests. It runs the server's
command line, so the notebook side never imports the server's code.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path

READY = re.compile(r"lo-server ready at (\S+) token=(\S*)")
START_TIMEOUT = 120.0


@dataclass
class EmbeddedServer:
    url: str
    token: str
    process: subprocess.Popen
    data_dir: Path
    lines: list[str] = field(default_factory=list)  # everything the server printed

    @property
    def api(self) -> str:
        return f"{self.url}/api/learningOrchestra/v1"

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 30.0) -> int:
        """Stop the server (and with it its workers); return its exit code."""
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        return self.process.returncode


def start(data_dir: Path | str, *args: str, port: int = 0, workers: int = 2,
          env: dict | None = None, timeout: float = START_TIMEOUT) -> EmbeddedServer:
    """Run `lo-server start` in the background; return once it printed its ready line."""
    command = [sys.executable, "-m", "lo_server.cli", "start", "--port", str(port),
               "--data-dir", str(data_dir), "--workers", str(workers), *args]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True, env={**os.environ, **(env or {})})
    lines: list[str] = []
    found: dict = {}
    ready = threading.Event()

    def pump():  # keep reading so the server never blocks on a full pipe
        for line in process.stdout:
            lines.append(line)
            match = READY.search(line)
            if match and not ready.is_set():
                found["url"], found["token"] = match.groups()
                ready.set()
        ready.set()

    threading.Thread(target=pump, name="lo-server-output", daemon=True).start()
    ready.wait(timeout)
    if "url" not in found:
        process.kill()
        process.wait(10)
        raise RuntimeError("lo-server did not start:\n" + "".join(lines[-40:]))
    return EmbeddedServer(found["url"], found["token"], process, Path(data_dir), lines)
