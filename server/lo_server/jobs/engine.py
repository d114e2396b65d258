"""Jobs on Dask: durable before they are submitted, explicit terminal states, recovery on start.

The engine is the only writer of job state. Every transition goes through `_transition`,
which refuses to move a job out of a terminal state, so late or duplicate signals (a result
arriving after a cancel, a "running" event after the result) change nothing.
"""

from __future__ import annotations

import collections
import logging
import os
import pickle
import threading
import time
import uuid
from collections.abc import Callable

from distributed import Client, LocalCluster
from distributed.client import Future

from lo_server import artifacts
from lo_server.config import Settings, scrub_secrets
from lo_server.events import EventBus
from lo_server.jobs import cluster, runner
from lo_server.store.base import TERMINAL_STATUSES, Store

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 2  # the first run plus one resubmission after an interrupted server
WATCHDOG_INTERVAL = 0.25
WORKER_CHECK_INTERVAL = 1.0  # seconds between checks that busy workers are still there
WORKER_DIED = ("the worker process died while running this job (it exited, crashed or went "
               "over its memory limit)")


def now() -> float:
    return round(time.time(), 6)


class Engine:
    def __init__(self, settings: Settings, store: Store, bus: EventBus):
        self.settings = settings
        self.store = store
        self.bus = bus
        # task name -> hook(job, summary) called once when a job of that task ends
        self.hooks: dict[str, Callable[[dict, dict], None]] = {}
        self.cluster: LocalCluster | None = None
        self.client: Client | None = None
        self._futures: dict[str, Future] = {}
        self._deadlines: dict[str, float] = {}
        self._workers: dict[str, str] = {}  # job id -> address of the worker running it
        self._lock = threading.RLock()
        self._waiting: collections.deque[str] = collections.deque()  # job ids, oldest first
        self._queue_lock = threading.Lock()  # never held while waiting for self._lock's users
        self._placed: dict[str, str] = {}  # job id -> worker address, while its future lives
        self._stopping: set[str] = set()  # workers told to exit, until they are gone
        self._closing = threading.Event()

    # ---- lifecycle -------------------------------------------------------------------------
    def start(self) -> None:
        """Connect to Dask (or start the embedded cluster), then recover unfinished jobs."""
        scrub_secrets()
        if not self.settings.dask_scheduler:  # our own workers: nothing can be writing yet,
            artifacts.remove_temporaries(self.settings.artifacts_dir)  # so leftovers go
        self.cluster, self.client = cluster.connect(self.settings)
        self.client.subscribe_topic(runner.EVENT_TOPIC, self._on_worker_event)
        threading.Thread(target=self._watchdog, name="lo-watchdog", daemon=True).start()
        self.recover()

    def worker_pids(self) -> list[int]:
        """PIDs of the embedded workers (to clean up after a server killed with -9)."""
        if self.cluster is None or self.client is None:
            return []
        return sorted(self.client.run(os.getpid).values())

    def close(self) -> None:
        self._closing.set()
        if self.client is not None:
            self.client.close()
        if self.cluster is not None:
            self.cluster.close()

    def recover(self) -> None:
        """Resubmit each job a previous server left unfinished, once; fail it the second time."""
        jobs = self.store.active_jobs()
        self._stop_leftover_runs(jobs)
        for job in jobs:
            if job.get("attempts", 0) >= MAX_ATTEMPTS:
                self._transition(job["id"], "failed", error={
                    "message": f"interrupted: the server stopped while this job was "
                               f"{job['status']}, and it had already been resubmitted once",
                })
            else:
                log.info("resubmitting interrupted job %s (%s)", job["id"], job["name"])
                self._set(job, {"status": "queued"}, {"progress": _progress(0, "resubmitted")})
                self._dispatch(job)

    def _stop_leftover_runs(self, jobs: list[dict]) -> None:
        """End the workers still running a previous server's jobs. An external cluster
        outlives the server, and Dask cannot interrupt a task's thread when its client goes
        away: the old run would go on beside the resubmitted one, and keep its worker busy
        (a resubmitted job could wait behind it for as long as it runs)."""
        running = {job.get("worker") for job in jobs if job["status"] == "running"} - {None}
        if not running:
            return
        try:
            workers = self._worker_states()
        except Exception:  # noqa: BLE001 - the next pump finds a free worker anyway
            return
        for address in sorted(running & set(workers)):
            log.info("stopping worker %s: it still runs an interrupted job", address)
            self._stop_worker(address)

    # ---- submitting ------------------------------------------------------------------------
    def submit(self, name: str, task: str, spec: dict, timeout: float | None = None,
               members: list[str] | None = None) -> dict:
        """Record the job (queued) for artifact `name`, then hand it to Dask.

        `members` lists every artifact the job produces when there are several (Builder: one
        per classifier); each mirrors the job's state, and a summary's `members` entry
        ({name: {"ok", "metadata", "error"}}) can finish or fail each one on its own.
        """
        job = {
            "id": uuid.uuid4().hex,
            "name": name,
            "members": members or [name],
            "task": task,
            "spec": spec,
            "status": "queued",
            "attempts": 0,
            "timeout": float(timeout or self.settings.job_timeout),
            "createdAt": now(),
        }
        self.store.create_job(job)
        self._set(job, {}, {
            "status": "queued", "finished": False, "jobId": job["id"], "error": None,
            "progress": _progress(0, "queued"), "startedAt": None, "finishedAt": None,
            "durationSeconds": None,
        })
        self._dispatch(job)
        return job

    def _dispatch(self, job: dict) -> None:
        """Queue the job here, in order; it goes to Dask only when a worker thread is free.

        Dask would otherwise place a task on a busy worker's own queue, and stopping that
        worker's job (by ending the process) would take the waiting task down with it."""
        with self._queue_lock:
            self._waiting.append(job["id"])
        self._pump()

    def _pump(self) -> None:
        with self._queue_lock:
            while self._waiting:
                address = self._free_worker()
                if address is None:
                    return
                job = self.store.get_job(self._waiting.popleft())
                if job is not None and not _terminal(job):
                    self._submit(job, address)

    def _free_worker(self) -> str | None:
        """A running worker with a thread that no job of ours holds. Our own books decide,
        and the task is pinned to that worker: left to itself, Dask may queue a task behind
        a busy one, or on a worker that is about to be stopped."""
        try:
            workers = self._worker_states()
        except Exception:  # noqa: BLE001 - the scheduler is busy or gone: try again later
            return None
        with self._lock:
            self._stopping &= set(workers)  # a worker that is gone is done stopping
            held = collections.Counter(self._placed.values())
            for address, info in workers.items():
                if info.get("status") == "running" and address not in self._stopping \
                        and held[address] < info.get("nthreads", 1):
                    return address
        return None

    def _worker_states(self) -> dict[str, dict]:
        return cluster.worker_states(self.client, self.cluster)

    def _submit(self, job: dict, address: str) -> None:
        attempt = job.get("attempts", 0) + 1
        job = self.store.update_job(job["id"], {"attempts": attempt})
        try:
            future = self.client.submit(
                runner.run_job, job["id"], attempt, job["task"], job["spec"],
                str(self.settings.artifacts_dir), self.settings.max_output_chars,
                self._storage(job), key=f"lo-{job['id']}-{attempt}", pure=False,
                workers=[address], allow_other_workers=False,
            )
        except Exception as exc:  # scheduler unreachable: the job fails, the request does not
            self._transition(job["id"], "failed", error=runner.describe_error(exc))
            return
        with self._lock:
            self._futures[job["id"]] = future
            self._placed[job["id"]] = address
        future.add_done_callback(lambda f, j=job["id"], a=attempt: self._on_done(j, a, f))

    def _storage(self, job: dict) -> dict | None:
        """With a shared artifact store: what the worker pulls (every input, and the
        outputs themselves for in-place re-runs) and pushes. Embedded workers share this
        process's directory as their cache; a cluster's workers use their node's own."""
        if not self.settings.artifacts_url:
            return None
        members = job.get("members") or [job["name"]]
        inputs = []
        for name in members:
            doc = self.store.get_artifact(name) or {}
            inputs.extend(doc.get("parents") or [])
        return {"url": self.settings.artifacts_url,
                "cache": None if self.settings.dask_scheduler else
                str(self.settings.artifacts_dir),
                "pull": list(dict.fromkeys([*inputs, *members])), "push": members}

    # ---- signals from Dask -----------------------------------------------------------------
    def _on_done(self, job_id: str, attempt: int, future: Future) -> None:
        with self._lock:
            if self._futures.get(job_id) is future:
                del self._futures[job_id]
                self._placed.pop(job_id, None)
        try:
            self._record_result(job_id, attempt, future)
        finally:
            self._pump()  # a worker thread is free: the next waiting job may go

    def _record_result(self, job_id: str, attempt: int, future: Future) -> None:
        job = self.store.get_job(job_id)
        if job is None or (_terminal(job) and job["attempts"] == attempt):
            return  # recorded already, from the job's last event or a cancel: no fetch
        if future.status == "cancelled":
            self._transition(job_id, "failed", attempt=attempt,
                             error={"message": "the job was dropped by the Dask scheduler"})
        elif future.status == "error":
            self._transition(job_id, "failed", attempt=attempt, error=_dask_error(future))
        else:
            self._record_summary(job_id, attempt, future.result())

    def _record_summary(self, job_id: str, attempt: int, summary: dict) -> None:
        if summary["ok"]:
            self._transition(job_id, "finished", attempt=attempt, summary=summary)
        else:
            self._transition(job_id, "failed", attempt=attempt, summary=summary,
                             error=summary["error"])

    def _on_worker_event(self, event) -> None:
        _, msg = event
        with self._lock:
            job = self.store.get_job(msg.get("job", ""))
            if not job or job["attempts"] != msg.get("attempt"):
                return
            if _terminal(job):
                if (msg.get("status") == "running" and job["status"] == "cancelled"
                        and msg.get("worker")):
                    # cancelled while Dask was handing it to this worker: the task started
                    # anyway, so end that worker, or it stays busy with a dead job (from a
                    # thread: this callback runs on the Dask client's own event loop)
                    threading.Thread(target=self._stop_worker, args=(msg["worker"],),
                                     daemon=True).start()
                return
            if msg.get("status") == "running" and job["status"] == "queued":
                started = now()
                self._workers[job["id"]] = msg.get("worker")
                self._placed[job["id"]] = msg.get("worker")  # where Dask really put it
                self._deadlines[job["id"]] = time.monotonic() + job["timeout"]
                self._set(job, {"status": "running", "startedAt": started,
                                "worker": msg.get("worker")},
                          {"status": "running", "startedAt": started,
                           "progress": _progress(0, "running")})
            elif msg.get("status") == "ended":  # a small summary came with the event
                self._record_summary(job["id"], job["attempts"], pickle.loads(msg["summary"]))
            elif "progress" in msg:
                self._set(job, {}, {"progress": _progress(msg["progress"], msg["message"])})

    # ---- stopping --------------------------------------------------------------------------
    def cancel(self, job_id: str) -> bool:
        """Cancel a queued or running job; False if it had already ended."""
        return self._stop(job_id, "cancelled", {"message": "cancelled by request"})

    def _stop(self, job_id: str, status: str, error: dict) -> bool:
        """End a job's state first, then its work: a queued task is cancelled; a running
        one's worker process exits (a thread cannot be interrupted). The future stays held
        until that worker is gone, so Dask cannot hand the busy worker a new task meanwhile."""
        with self._lock:
            worker = self._workers.get(job_id)
            if not self._transition(job_id, status, error=error):
                return False
            future = self._futures.get(job_id)
        if future is not None:
            worker = worker or self._worker_running(future.key)
            if worker is None:
                future.cancel()
        if worker:
            self._stop_worker(worker)
        return True

    def _worker_running(self, key) -> str | None:
        try:
            for address, keys in self.client.processing().items():
                if key in keys:
                    return address
        except Exception:  # noqa: BLE001 - best effort while the scheduler is busy
            return None
        return None

    def _stop_worker(self, address: str) -> None:
        """The worker exits at once and its nanny starts a fresh one (Dask's own restart
        leaves the restarted worker unable to take tasks after a cancelled one)."""
        with self._lock:
            self._stopping.add(address)
        try:
            self.client.run(runner.exit_worker, workers=[address], wait=False)
        except Exception as exc:  # noqa: BLE001 - the worker may already be gone
            log.warning("could not stop worker %s: %s", address, exc)

    def _watchdog(self) -> None:
        """Time limits, jobs whose worker is gone, and waiting jobs whose worker came back
        from a restart."""
        checked = time.monotonic()
        while not self._closing.wait(WATCHDOG_INTERVAL):
            if time.monotonic() - checked >= WORKER_CHECK_INTERVAL:
                checked = time.monotonic()
                self._fail_jobs_of_lost_workers()
            if self._waiting:
                self._pump()
            expired = [j for j, t in list(self._deadlines.items()) if time.monotonic() > t]
            for job_id in expired:
                job = self.store.get_job(job_id)
                limit = job["timeout"] if job else 0
                self._stop(job_id, "failed", {
                    "message": f"timed out after {limit:g} s (the job's time limit)"})

    def _fail_jobs_of_lost_workers(self) -> None:
        """Fail each job whose worker left the cluster, and drop its task.

        The embedded scheduler fails such a task itself (allowed-failures 0), but an
        external one keeps its own setting: it would retry the task, which is pinned to the
        dead worker's address, so it would wait for ever. Our books decide instead."""
        with self._lock:
            placed = dict(self._placed)  # before asking: a job placed later is not judged
        if not placed:
            return
        try:
            workers = self._worker_states()
        except Exception:  # noqa: BLE001 - the scheduler is busy or gone: try again later
            return
        for job_id, address in placed.items():
            if address in workers:
                continue
            with self._lock:
                future = self._futures.get(job_id)
                if self._placed.get(job_id) != address or future is None or future.done():
                    continue
            log.warning("worker %s is gone: job %s fails", address, job_id)
            self._transition(job_id, "failed", error={"message": WORKER_DIED})
            future.cancel()  # _on_done frees the job's place

    # ---- state -----------------------------------------------------------------------------
    def _transition(self, job_id: str, status: str, attempt: int | None = None,
                    summary: dict | None = None, error: dict | None = None) -> bool:
        """Move a job to a terminal state once; run the task's hook before publishing it."""
        with self._lock:
            job = self.store.get_job(job_id)
            if job is None or _terminal(job):
                return False
            if attempt is not None and job["attempts"] != attempt:
                return False  # a result from an earlier attempt
            self._deadlines.pop(job_id, None)
            self._workers.pop(job_id, None)
            summary = summary or {"ok": status == "finished", "output": "", "error": error}
            hook = self.hooks.get(job["task"])
            if hook is not None:
                try:
                    hook(job, {**summary, "status": status})
                except Exception:  # noqa: BLE001 - a hook failure must not leave the job open
                    log.exception("hook for job %s failed", job_id)
            ended = now()
            started = job.get("startedAt") or job["createdAt"]
            artifact = {
                "status": status, "finished": status == "finished", "error": error,
                "finishedAt": ended, "durationSeconds": round(ended - started, 6),
                **(summary.get("metadata") or {}),
            }
            if status == "finished":
                artifact["progress"] = _progress(1, "finished")
            members = (summary.get("members") or {}) if status == "finished" else {}
            self._set(job, {"status": status, "finishedAt": ended, "error": error}, artifact,
                      {name: _member_fields(result) for name, result in members.items()})
            return True

    def _set(self, job: dict, job_fields: dict, artifact_fields: dict,
             per_member: dict | None = None) -> None:
        """Write the job, then each artifact it produces, and publish each change."""
        if job_fields:
            self.store.update_job(job["id"], job_fields)
        for name in job.get("members") or [job["name"]]:
            fields = {**artifact_fields, **(per_member or {}).get(name, {})}
            doc = self.store.update_artifact(name, fields)
            if doc is not None:
                self.bus.publish({
                    "name": name, "type": doc.get("type"), "jobId": job["id"],
                    "status": doc.get("status"), "finished": doc.get("finished"),
                    "progress": doc.get("progress"), "error": doc.get("error"),
                })


def _terminal(job: dict) -> bool:
    return job["status"] in TERMINAL_STATUSES


def _member_fields(result: dict) -> dict:
    """One member's own outcome inside a finished multi-artifact job."""
    fields = dict(result.get("metadata") or {})
    if not result.get("ok", True):
        fields.update(status="failed", finished=False, error=result.get("error"))
    return fields


def _progress(fraction: float, message: str) -> dict:
    return {"fraction": float(fraction), "message": message}


def _dask_error(future: Future) -> dict:
    exc = future.exception()
    if type(exc).__name__ == "KilledWorker":
        return {"message": WORKER_DIED}
    error = runner.describe_error(exc)
    tb = future.traceback()
    if tb is not None:
        import traceback

        error["traceback"] = "".join(traceback.format_exception(type(exc), exc, tb))
    return error
