"""Code that runs inside a Dask worker: one entry point, `run_job`, and the tasks it runs.

A task reads its inputs from artifact files, does its work, writes its output artifact and
returns a small summary; it never touches the metadata store. Whatever happens inside, the
summary says so (`ok`, `error` with the traceback, captured `output`), so the server can
record why a job failed.
"""

from __future__ import annotations

import importlib
import io
import os
import pickle
import sys
import threading
import time
import traceback
from pathlib import Path

from lo_server import refs

EVENT_TOPIC = "lo-jobs"
PROGRESS_INTERVAL = 0.2  # seconds between progress events of one job
# A summary up to this size also travels with the job's last event, so the server records the
# ending without fetching the task's result from the worker (a round trip of ~2 ms). The
# scheduler keeps recent events in memory, so larger summaries go the usual way only.
EVENT_SUMMARY_LIMIT = 16 * 1024


class _CapturedOutput(io.StringIO):
    """A job's stdout, cut at `limit` characters with a note saying how much was dropped."""

    def __init__(self, limit: int):
        super().__init__()
        self.limit = limit
        self.dropped = 0

    def write(self, text: str) -> int:
        room = self.limit - self.tell()
        if room < len(text):
            self.dropped += len(text) - max(room, 0)
            text = text[: max(room, 0)]
        return super().write(text) if text else 0

    def text(self) -> str:
        note = f"\n[output truncated: {self.dropped} more characters]" if self.dropped else ""
        return self.getvalue() + note


class _ThreadStdout(io.TextIOBase):
    """sys.stdout replacement: each job thread writes to its own buffer, others pass through."""

    def __init__(self, fallback):
        self.fallback = fallback
        self.local = threading.local()

    def write(self, text: str) -> int:
        target = getattr(self.local, "buffer", None) or self.fallback
        return target.write(text)

    def flush(self) -> None:
        (getattr(self.local, "buffer", None) or self.fallback).flush()

    def isatty(self) -> bool:
        return False


_install_lock = threading.Lock()


def _thread_stdout() -> _ThreadStdout:
    with _install_lock:
        if not isinstance(sys.stdout, _ThreadStdout):
            sys.stdout = _ThreadStdout(sys.stdout)
        return sys.stdout


class JobContext:
    """What a task gets besides its spec: where artifacts live and how to report progress."""

    def __init__(self, job_id: str, attempt: int, artifacts: Path, emit, mirror=None):
        self.job_id = job_id
        self.attempt = attempt
        self.artifacts = Path(artifacts)
        self.mirror = mirror  # the shared store (mirror.Mirror) when LO_ARTIFACTS_URL is set
        self._emit = emit
        self._last_progress = 0.0

    def progress(self, fraction: float, message: str = "") -> None:
        """Report progress (0..1) to the server; calls closer than 0.2 s apart are merged."""
        fraction = min(max(float(fraction), 0.0), 1.0)
        now = time.monotonic()
        if fraction < 1.0 and now - self._last_progress < PROGRESS_INTERVAL:
            return
        self._last_progress = now
        self._emit({"progress": fraction, "message": str(message)[:500]})


def _emitter(job_id: str, attempt: int):
    try:
        from distributed import get_worker

        worker = get_worker()
    except ValueError:  # not in a worker (direct calls in tests)
        return lambda msg: None, None

    def emit(msg: dict) -> None:
        worker.log_event(EVENT_TOPIC, {"job": job_id, "attempt": attempt, **msg})

    return emit, worker.address


def run_job(job_id: str, attempt: int, task: str, spec: dict, artifacts: str,
            max_output: int = 1_000_000, storage: dict | None = None) -> dict:
    """Run one task and summarise it; never raises for errors in the task itself.

    `storage`, set when artifacts live in a shared store (LO_ARTIFACTS_URL), names the
    store's `url`, the local `cache` to use (None: this node's own, mirror.cache_dir), the
    artifacts to `pull` before the task and those to `push` once it has succeeded."""
    emit, address = _emitter(job_id, attempt)
    emit({"status": "running", "worker": address})
    stdout = _thread_stdout()
    output = _CapturedOutput(max_output)
    stdout.local.buffer = output
    shared = None
    if storage:
        from lo_server import mirror

        shared = mirror.for_url(storage["url"])
        artifacts = storage.get("cache") or mirror.cache_dir(storage["url"])
    context = JobContext(job_id, attempt, Path(artifacts), emit, shared)
    try:
        for name in (storage or {}).get("pull", ()):
            shared.pull(context.artifacts, name)
        metadata = dict(task_function(task)(context, spec) or {})
        summary = {"ok": True, "metadata": metadata, "output": output.text()}
        if "members" in metadata:  # a job with several artifacts: each one's own outcome
            summary["members"] = metadata.pop("members")
        for name in (storage or {}).get("push", ()):  # before the summary announces it
            if summary.get("members", {}).get(name, {}).get("ok", True):
                shared.push(context.artifacts, name)
    except BaseException as exc:  # noqa: BLE001 - SystemExit, KeyboardInterrupt: the job's
        # own doing (signals reach only the worker's main thread, never this one)
        summary = {"ok": False, "output": output.text(), "error": describe_error(exc)}
    finally:
        stdout.local.buffer = None
    _announce(emit, summary)
    return summary


def _announce(emit, summary: dict) -> None:
    """Send a small summary with the job's last event (pickled: events must be msgpack)."""
    try:
        packed = pickle.dumps(summary)
    except Exception:  # noqa: BLE001 - the result itself still travels the usual way
        return
    if len(packed) <= EVENT_SUMMARY_LIMIT:
        emit({"status": "ended", "summary": packed})


async def exit_worker() -> None:
    """Run on a worker's event loop by the server to stop the job the worker runs; its
    nanny starts a fresh worker. (A coroutine, so that Client.run(wait=False) accepts it.)"""
    os._exit(1)


_PLUMBING = (__file__, str(Path(__file__).with_name("tasks.py")), refs.__file__)


def describe_error(exc: BaseException) -> dict:
    """Message and traceback, starting at the user's code rather than at this module."""
    tb = exc.__traceback__
    while tb is not None and tb.tb_next is not None and \
            tb.tb_frame.f_code.co_filename in _PLUMBING:
        tb = tb.tb_next
    tb = "".join(traceback.format_exception(type(exc), exc, tb))
    return {"message": f"{type(exc).__name__}: {exc}", "traceback": tb}


def task_function(name: str):
    """The function that runs a task, imported on first use, in the worker: the server
    process never loads pandas, Spark or TensorFlow, a Function-only worker neither."""
    from lo_server.jobs.tasks import TASKS

    module, _, function = TASKS[name].partition(":")
    return getattr(importlib.import_module(module), function)
