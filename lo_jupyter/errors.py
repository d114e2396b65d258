"""Exceptions of the notebook side: HTTP errors, failed jobs, waits that ran out of time."""

from __future__ import annotations


class LoError(Exception):
    """Base of every lo_jupyter error."""


class OrchestraError(LoError):
    """The server refused a request (`status` is the HTTP code; 0 when it was unreachable)."""

    def __init__(self, status: int, message: str, method: str = "", path: str = ""):
        self.status = status
        self.message = message
        self.method = method
        self.path = path
        where = f" ({method} {path})" if method else ""
        prefix = f"HTTP {status}: " if status else ""
        super().__init__(f"{prefix}{message}{where}")


class WaitTimeout(LoError, TimeoutError):
    """The job was still running when the wait's time limit ran out (the job goes on)."""

    def __init__(self, name: str, timeout: float, metadata: dict | None = None):
        self.name = name
        self.timeout = timeout
        self.metadata = metadata or {}
        status = self.metadata.get("status", "not finished")
        super().__init__(f"{name!r} is still {status} after waiting {timeout:g} s")


class JobFailed(LoError):
    """A remote job failed; carries the server's message and the remote traceback.

    IPython shows `_render_traceback_()` instead of a local traceback, so a failed cell
    shows where the user's code broke on the worker, not where the client waited.
    """

    def __init__(self, name: str, metadata: dict):
        self.name = name
        self.metadata = metadata
        self.status = metadata.get("status", "failed")
        error = metadata.get("error") or {}
        self.remote_message = error.get("message") or f"the job ended {self.status}"
        self.remote_traceback = error.get("traceback") or ""
        super().__init__(f"{name!r} {self.status}: {self.remote_message}")

    def _render_traceback_(self) -> list[str]:
        lines = []
        if self.remote_traceback:
            lines.append(f"Remote traceback of {self.name!r} (on the worker):")
            lines.extend(self.remote_traceback.rstrip("\n").splitlines())
        lines.append(f"{type(self).__name__}: {self}")
        return lines


class JobCancelled(JobFailed):
    """The job was cancelled (by a user, a Ctrl-C or a deletion)."""
