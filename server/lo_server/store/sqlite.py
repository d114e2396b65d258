"""The metadata store in one SQLite file: the default when no MongoDB is configured.

Documents are kept as JSON text; a few columns (type, status, seq) are copied out of them so the
queries the server needs stay plain SQL. One connection serves every thread, behind a lock.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from os import PathLike

from lo_server.store.base import ACTIVE_STATUSES

_SCHEMA = """
CREATE TABLE IF NOT EXISTS artifacts (
    name TEXT PRIMARY KEY, type TEXT, seq INTEGER NOT NULL, doc TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS executions (
    name TEXT NOT NULL, number INTEGER NOT NULL, doc TEXT NOT NULL,
    PRIMARY KEY (name, number));
CREATE TABLE IF NOT EXISTS jobs (
    id TEXT PRIMARY KEY, status TEXT, seq INTEGER NOT NULL, doc TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS records (
    kind TEXT NOT NULL, key TEXT NOT NULL, seq INTEGER NOT NULL, doc TEXT NOT NULL,
    PRIMARY KEY (kind, key));
CREATE INDEX IF NOT EXISTS artifacts_seq ON artifacts (seq);
CREATE INDEX IF NOT EXISTS jobs_status ON jobs (status, seq);
"""


def _dump(doc: dict) -> str:
    # allow_nan=False: NaN/Infinity are not JSON, and SQLite's json_each would choke on them.
    return json.dumps(doc, allow_nan=False, ensure_ascii=False)


class SqliteStore:
    """The `Store` protocol on stdlib sqlite3 (see lo_server.store.base)."""

    def __init__(self, path: str | PathLike[str]):
        self._lock = threading.Lock()
        # Autocommit mode: transactions are opened explicitly by _write().
        self._conn = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=NORMAL")
        self._conn.executescript(_SCHEMA)

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction, serialised with every other call on this store."""
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
                self._conn.execute("COMMIT")
            except BaseException:
                if self._conn.in_transaction:
                    self._conn.execute("ROLLBACK")
                raise

    def _read(self, sql: str, params: tuple = ()) -> list[tuple]:
        with self._lock:
            return self._conn.execute(sql, params).fetchall()

    # Artifacts

    def create_artifact(self, name: str, doc: dict) -> bool:
        text = _dump(doc)
        try:
            with self._write() as conn:
                conn.execute(
                    "INSERT INTO artifacts (name, type, seq, doc) VALUES "
                    "(?, ?, (SELECT COALESCE(MAX(seq), 0) + 1 FROM artifacts), ?)",
                    (name, doc.get("type"), text),
                )
        except sqlite3.IntegrityError:
            return False
        return True

    def get_artifact(self, name: str) -> dict | None:
        rows = self._read("SELECT doc FROM artifacts WHERE name = ?", (name,))
        return json.loads(rows[0][0]) if rows else None

    def update_artifact(self, name: str, fields: dict) -> dict | None:
        with self._write() as conn:
            row = conn.execute("SELECT doc FROM artifacts WHERE name = ?", (name,)).fetchone()
            if row is None:
                return None
            text = _dump({**json.loads(row[0]), **fields})
            doc = json.loads(text)
            conn.execute(
                "UPDATE artifacts SET doc = ?, type = ? WHERE name = ?",
                (text, doc.get("type"), name),
            )
        return doc

    def list_artifacts(self, type: str | None = None) -> list[dict]:
        if type is None:
            rows = self._read("SELECT doc FROM artifacts ORDER BY seq")
        else:
            rows = self._read("SELECT doc FROM artifacts WHERE type = ? ORDER BY seq", (type,))
        return [json.loads(text) for (text,) in rows]

    def dependants(self, name: str) -> list[str]:
        rows = self._read(
            "SELECT a.name FROM artifacts a WHERE EXISTS "
            "(SELECT 1 FROM json_each(a.doc, '$.parents') p WHERE p.value = ?) ORDER BY a.seq",
            (name,),
        )
        return [child for (child,) in rows]

    def delete_artifact(self, name: str) -> bool:
        with self._write() as conn:
            deleted = conn.execute("DELETE FROM artifacts WHERE name = ?", (name,)).rowcount
            conn.execute("DELETE FROM executions WHERE name = ?", (name,))
        return deleted > 0

    # Executions

    def add_execution(self, name: str, doc: dict) -> int:
        text = _dump(doc)
        with self._write() as conn:
            (number,) = conn.execute(
                "SELECT COALESCE(MAX(number), 0) + 1 FROM executions WHERE name = ?", (name,)
            ).fetchone()
            conn.execute(
                "INSERT INTO executions (name, number, doc) VALUES (?, ?, ?)", (name, number, text)
            )
        return number

    def list_executions(self, name: str) -> list[dict]:
        rows = self._read(
            "SELECT number, doc FROM executions WHERE name = ? ORDER BY number", (name,)
        )
        return [{**json.loads(text), "_id": number} for number, text in rows]

    def latest_execution(self, name: str) -> dict | None:
        rows = self._read(
            "SELECT number, doc FROM executions WHERE name = ? ORDER BY number DESC LIMIT 1",
            (name,),
        )
        return {**json.loads(rows[0][1]), "_id": rows[0][0]} if rows else None

    # Jobs

    def create_job(self, job: dict) -> None:
        text = _dump(job)
        try:
            with self._write() as conn:
                conn.execute(
                    "INSERT INTO jobs (id, status, seq, doc) VALUES "
                    "(?, ?, (SELECT COALESCE(MAX(seq), 0) + 1 FROM jobs), ?)",
                    (job["id"], job.get("status"), text),
                )
        except sqlite3.IntegrityError:
            raise ValueError(f"job {job['id']!r} already exists") from None

    def get_job(self, job_id: str) -> dict | None:
        rows = self._read("SELECT doc FROM jobs WHERE id = ?", (job_id,))
        return json.loads(rows[0][0]) if rows else None

    def update_job(self, job_id: str, fields: dict) -> dict | None:
        with self._write() as conn:
            row = conn.execute("SELECT doc FROM jobs WHERE id = ?", (job_id,)).fetchone()
            if row is None:
                return None
            text = _dump({**json.loads(row[0]), **fields})
            doc = json.loads(text)
            conn.execute(
                "UPDATE jobs SET doc = ?, status = ? WHERE id = ?",
                (text, doc.get("status"), job_id),
            )
        return doc

    def active_jobs(self) -> list[dict]:
        marks = ", ".join("?" for _ in ACTIVE_STATUSES)
        rows = self._read(
            f"SELECT doc FROM jobs WHERE status IN ({marks}) ORDER BY seq", ACTIVE_STATUSES
        )
        return [json.loads(text) for (text,) in rows]

    # Records

    def put_record(self, kind: str, key: str, doc: dict) -> None:
        text = _dump(doc)
        with self._write() as conn:
            conn.execute(
                "INSERT INTO records (kind, key, seq, doc) VALUES "
                "(?, ?, (SELECT COALESCE(MAX(seq), 0) + 1 FROM records), ?) "
                "ON CONFLICT (kind, key) DO UPDATE SET doc = excluded.doc",
                (kind, key, text),
            )

    def get_record(self, kind: str, key: str) -> dict | None:
        rows = self._read("SELECT doc FROM records WHERE kind = ? AND key = ?", (kind, key))
        return json.loads(rows[0][0]) if rows else None

    def list_records(self, kind: str) -> list[dict]:
        rows = self._read("SELECT doc FROM records WHERE kind = ? ORDER BY seq", (kind,))
        return [json.loads(text) for (text,) in rows]

    def delete_record(self, kind: str, key: str) -> bool:
        with self._write() as conn:
            deleted = conn.execute(
                "DELETE FROM records WHERE kind = ? AND key = ?", (kind, key)).rowcount
        return deleted > 0

    def close(self) -> None:
        with self._lock:
            self._conn.close()
