"""The metadata store in MongoDB: used when LO_MONGO_URL is set (as in the Swarm stack).

Every user document is stored whole under a `doc` field, next to the store's own keys (`_id`,
`seq`), so a user field can never clash with Mongo's `_id`. Sequence numbers come from a
`counters` collection, so ordering does not depend on clocks or on ObjectId internals.
"""

from __future__ import annotations

import json

from pymongo import ASCENDING, DESCENDING, MongoClient, ReturnDocument
from pymongo.errors import DuplicateKeyError, PyMongoError

from lo_server.store.base import ACTIVE_STATUSES


def _check(doc: dict) -> None:
    """Refuse what SqliteStore refuses too (NaN, non-JSON values), so both keep one contract."""
    json.dumps(doc, allow_nan=False)


def _set_fields(fields: dict) -> dict:
    """A $set of top-level fields of the stored `doc`."""
    for key in fields:
        if "." in key or key.startswith("$"):
            raise ValueError(f"field name {key!r} cannot be updated in MongoDB")
    return {"$set": {f"doc.{key}": value for key, value in fields.items()}}


class MongoStore:
    """The `Store` protocol on pymongo 4 (see lo_server.store.base)."""

    def __init__(self, url: str, db: str, *, timeout_ms: int = 5000):
        self._client = MongoClient(url, serverSelectionTimeoutMS=timeout_ms)
        try:
            self._client.admin.command("ping")
        except PyMongoError as exc:
            self._client.close()
            # Not the URL itself: it may carry a password.
            raise ConnectionError(f"cannot reach MongoDB for database {db!r}: {exc}") from exc
        database = self._client[db]
        self._artifacts = database["artifacts"]
        self._executions = database["executions"]
        self._jobs = database["jobs"]
        self._counters = database["counters"]
        self._records = database["records"]
        # No index on doc.parents: nx-27017 (the test server) then stops matching array elements.
        self._artifacts.create_index([("seq", ASCENDING)])
        self._executions.create_index([("name", ASCENDING), ("number", ASCENDING)], unique=True)
        self._jobs.create_index([("seq", ASCENDING)])
        self._records.create_index([("kind", ASCENDING), ("seq", ASCENDING)])

    def _next(self, counter: str) -> int:
        """Atomically increment and return a named counter (1 on first use)."""
        for _ in range(3):
            try:
                found = self._counters.find_one_and_update(
                    {"_id": counter},
                    {"$inc": {"value": 1}},
                    upsert=True,
                    return_document=ReturnDocument.AFTER,
                )
                return found["value"]
            except DuplicateKeyError:
                continue  # two first uses raced on the upsert; the counter exists now
        raise RuntimeError(f"counter {counter!r} could not be incremented")

    # Artifacts

    def create_artifact(self, name: str, doc: dict) -> bool:
        _check(doc)
        try:
            self._artifacts.insert_one({"_id": name, "seq": self._next("artifacts"), "doc": doc})
        except DuplicateKeyError:
            return False
        return True

    def get_artifact(self, name: str) -> dict | None:
        found = self._artifacts.find_one({"_id": name}, {"doc": 1})
        return found["doc"] if found else None

    def update_artifact(self, name: str, fields: dict) -> dict | None:
        if not fields:
            return self.get_artifact(name)
        _check(fields)
        found = self._artifacts.find_one_and_update(
            {"_id": name}, _set_fields(fields), return_document=ReturnDocument.AFTER
        )
        return found["doc"] if found else None

    def list_artifacts(self, type: str | None = None) -> list[dict]:
        query = {} if type is None else {"doc.type": type}
        return [found["doc"] for found in self._artifacts.find(query).sort("seq", ASCENDING)]

    def dependants(self, name: str) -> list[str]:
        cursor = self._artifacts.find({"doc.parents": name}, {"_id": 1}).sort("seq", ASCENDING)
        return [found["_id"] for found in cursor]

    def delete_artifact(self, name: str) -> bool:
        deleted = self._artifacts.delete_one({"_id": name}).deleted_count
        self._executions.delete_many({"name": name})
        self._counters.delete_one({"_id": f"executions:{name}"})
        return deleted > 0

    # Executions

    def add_execution(self, name: str, doc: dict) -> int:
        _check(doc)
        number = self._next(f"executions:{name}")
        self._executions.insert_one({"name": name, "number": number, "doc": doc})
        return number

    def list_executions(self, name: str) -> list[dict]:
        cursor = self._executions.find({"name": name}).sort("number", ASCENDING)
        return [{**found["doc"], "_id": found["number"]} for found in cursor]

    def latest_execution(self, name: str) -> dict | None:
        found = self._executions.find_one({"name": name}, sort=[("number", DESCENDING)])
        return {**found["doc"], "_id": found["number"]} if found else None

    # Jobs

    def create_job(self, job: dict) -> None:
        _check(job)
        try:
            self._jobs.insert_one({"_id": job["id"], "seq": self._next("jobs"), "doc": job})
        except DuplicateKeyError:
            raise ValueError(f"job {job['id']!r} already exists") from None

    def get_job(self, job_id: str) -> dict | None:
        found = self._jobs.find_one({"_id": job_id}, {"doc": 1})
        return found["doc"] if found else None

    def update_job(self, job_id: str, fields: dict) -> dict | None:
        if not fields:
            return self.get_job(job_id)
        _check(fields)
        found = self._jobs.find_one_and_update(
            {"_id": job_id}, _set_fields(fields), return_document=ReturnDocument.AFTER
        )
        return found["doc"] if found else None

    def active_jobs(self) -> list[dict]:
        query = {"doc.status": {"$in": list(ACTIVE_STATUSES)}}
        return [found["doc"] for found in self._jobs.find(query).sort("seq", ASCENDING)]

    # Records

    def put_record(self, kind: str, key: str, doc: dict) -> None:
        _check(doc)
        record_id = f"{kind}/{key}"
        if self._records.update_one({"_id": record_id}, {"$set": {"doc": doc}}).matched_count:
            return
        try:
            self._records.insert_one({"_id": record_id, "kind": kind,
                                      "seq": self._next("records"), "doc": doc})
        except DuplicateKeyError:  # inserted meanwhile by another caller: replace its doc
            self._records.update_one({"_id": record_id}, {"$set": {"doc": doc}})

    def get_record(self, kind: str, key: str) -> dict | None:
        found = self._records.find_one({"_id": f"{kind}/{key}"}, {"doc": 1})
        return found["doc"] if found else None

    def list_records(self, kind: str) -> list[dict]:
        return [found["doc"] for found in
                self._records.find({"kind": kind}).sort("seq", ASCENDING)]

    def delete_record(self, kind: str, key: str) -> bool:
        return self._records.delete_one({"_id": f"{kind}/{key}"}).deleted_count > 0

    def close(self) -> None:
        self._client.close()
