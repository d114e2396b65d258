"""Where the orchestration server is: arguments, then LO_URL/LO_TOKEN, then a local server.

A local server announces itself in DATA_DIR/server.json ({url, token, pid, workers, ...}).
That file is trusted only while its pid is alive and /health answers, so a stale file left
by a killed server never sends the client to a dead or foreign address.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from lo_jupyter import embedded

API_PREFIX = "/api/learningOrchestra/v1"
DEFAULT_PORT = 8765


def data_dir() -> Path:
    """The local server's data directory (the server uses the same rule)."""
    return Path(os.environ.get("LO_DATA_DIR") or os.path.expanduser("~/.local/share/lo-jupyter"))


def normalise_url(url: str) -> str:
    """`http://host:port`, whether given with or without the API prefix or a trailing slash."""
    url = url.strip().rstrip("/")
    if url.endswith(API_PREFIX):
        url = url[: -len(API_PREFIX)]
    if not url.startswith(("http://", "https://")):
        raise ValueError(f"not an http(s) URL: {url!r}")
    return url


def healthy(url: str, timeout: float = 3.0) -> dict | None:
    """The server's /health answer, or None if nothing healthy answers there."""
    try:
        response = httpx.get(f"{url}{API_PREFIX}/health", timeout=timeout)
        return response.json()["result"] if response.status_code == 200 else None
    except (httpx.HTTPError, ValueError, KeyError, TypeError):
        return None


def running_server(directory: Path | None = None) -> dict | None:
    """The server.json of a live, healthy local server in `directory`, else None."""
    path = (directory or data_dir()) / "server.json"
    try:
        info = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(info, dict) or not _alive(info.get("pid")) or not info.get("url"):
        return None
    return info if healthy(info["url"]) is not None else None


def _token_file() -> str | None:
    path = os.environ.get("LO_TOKEN_FILE")
    if not path:
        return None
    try:
        return Path(path).read_text().strip()
    except OSError as exc:
        raise ValueError(f"LO_TOKEN_FILE={path!r} cannot be read: {exc.strerror}") from exc


def resolve(url: str | None = None, token: str | None = None) -> tuple[str, str | None]:
    """(url, token) from the arguments, else LO_URL/LO_TOKEN (or LO_TOKEN_FILE, a file
    holding it, as Docker secrets are), else a running local server."""
    url = url or os.environ.get("LO_URL")
    token = token or os.environ.get("LO_TOKEN") or _token_file() or None
    if url:
        url = normalise_url(url)
        if token is None:  # the local server's own URL: its token is ours to use
            info = running_server()
            if info is not None and normalise_url(info["url"]) == url:
                token = info.get("token") or None
        return url, token
    info = running_server()
    if info is None:
        raise LookupError("no orchestration server: pass a URL, set LO_URL, or run %lo_connect "
                          "(with no URL it starts a local server)")
    return normalise_url(info["url"]), token or info.get("token") or None


def start_local(directory: Path | None = None, workers: int | None = None,
                timeout: float = embedded.START_TIMEOUT) -> dict:
    """Reuse the local server in `directory`, or start one detached from this process.

    Detached (own session, output in DATA_DIR/server.log) so that interrupting the kernel
    does not interrupt the server, and the server outlives the kernel for the next one.
    """
    directory = Path(directory or data_dir())
    info = running_server(directory)
    if info is not None:
        return {**info, "started": False}
    directory.mkdir(parents=True, exist_ok=True)
    log_path = directory / "server.log"
    port = int(os.environ.get("LO_PORT") or DEFAULT_PORT)
    command = [sys.executable, "-m", "lo_server.cli", "start", "--data-dir", str(directory),
               "--port", str(port if _port_free(port) else 0)]
    if workers:
        command += ["--workers", str(workers)]
    with open(log_path, "ab") as log:
        start_offset = log.tell()
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        text = _read_from(log_path, start_offset)
        if embedded.READY.search(text):
            info = running_server(directory)
            if info is not None:
                return {**info, "started": True, "log": str(log_path)}
        if process.poll() is not None:
            raise RuntimeError(f"lo-server exited with code {process.returncode}:\n"
                               + text[-4000:])
        time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"lo-server did not start within {timeout:g} s; see {log_path}")


def stop_local(directory: Path | None = None, timeout: float = 30.0) -> bool:
    """Stop the local server of `directory` (used by tests and `%lo_connect --stop`)."""
    directory = Path(directory or data_dir())
    command = [sys.executable, "-m", "lo_server.cli", "stop", "--data-dir", str(directory)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=timeout + 10)
    return result.returncode == 0


def _read_from(path: Path, offset: int) -> str:
    try:
        with open(path, "rb") as src:
            src.seek(offset)
            return src.read().decode(errors="replace")
    except OSError:
        return ""


def _port_free(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _alive(pid) -> bool:
    if not isinstance(pid, int) or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a zombie is dead for our purposes
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] != "Z"
    except OSError:
        return True
