"""The metadata store: artifact metadata documents, their execution logs, and jobs.

Only the server process writes it. Documents are JSON-compatible dicts (str keys; str, int,
float, bool, None, list and dict values) and come back equal to what was written. Both stores
refuse what strict JSON cannot hold (NaN, Infinity: ValueError) rather than store it differently.
"""

from __future__ import annotations

from typing import Protocol

ACTIVE_STATUSES = ("queued", "running")
TERMINAL_STATUSES = ("finished", "failed", "cancelled")


class Store(Protocol):
    # Artifacts: one metadata document per globally unique name.
    def create_artifact(self, name: str, doc: dict) -> bool:
        """Insert atomically; False (and nothing written) when the name is taken."""

    def get_artifact(self, name: str) -> dict | None: ...

    def update_artifact(self, name: str, fields: dict) -> dict | None:
        """Set top-level fields; return the updated document, or None if there is none."""

    def list_artifacts(self, type: str | None = None) -> list[dict]:
        """All documents (or those whose doc['type'] == type), oldest first."""

    def dependants(self, name: str) -> list[str]:
        """Names of the artifacts whose doc['parents'] list contains `name`."""

    def delete_artifact(self, name: str) -> bool:
        """Remove the document and its executions; False if there was none."""

    # Execution documents: an append-only log per artifact, numbered 1, 2, 3, ...
    def add_execution(self, name: str, doc: dict) -> int:
        """Append atomically and return the new document's number."""

    def list_executions(self, name: str) -> list[dict]:
        """The artifact's executions in order, each with its number as "_id"."""

    def latest_execution(self, name: str) -> dict | None:
        """The last execution (with "_id"), without reading the others; None if none."""

    # Jobs: one document per run, keyed by job["id"].
    def create_job(self, job: dict) -> None:
        """Insert a new job; ValueError (and nothing written) when job["id"] is taken."""

    def get_job(self, job_id: str) -> dict | None: ...

    def update_job(self, job_id: str, fields: dict) -> dict | None: ...

    def active_jobs(self) -> list[dict]:
        """Jobs whose status is queued or running, oldest first."""

    # Records: small documents of other kinds (shared notebooks, schedules), keyed per kind.
    def put_record(self, kind: str, key: str, doc: dict) -> None:
        """Insert or replace; a replaced record keeps its place in the listing order."""

    def get_record(self, kind: str, key: str) -> dict | None: ...

    def list_records(self, kind: str) -> list[dict]:
        """Every record of that kind, in order of first insertion."""

    def delete_record(self, kind: str, key: str) -> bool: ...

    def close(self) -> None: ...


def open_store(settings) -> Store:
    """The Mongo store when LO_MONGO_URL is set, else SQLite in the data dir."""
    if settings.mongo_url:
        from lo_server.store.mongo import MongoStore

        return MongoStore(settings.mongo_url, settings.mongo_db)
    from lo_server.store.sqlite import SqliteStore

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    return SqliteStore(settings.data_dir / "metadata.sqlite3")
