"""The `Store` contract (lo_server.store.base), checked against SQLite and a real Mongo server.

Each test runs once per backend (see conftest.py) on a store of its own.
"""

from __future__ import annotations

import copy
import sqlite3
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from lo_server.store.mongo import MongoStore
from lo_server.store.sqlite import SqliteStore
from tests.mongo_server import free_port

RICH_DOC = {
    "type": "dataset/csv",
    "parents": ["raw", "ünïcødé ☃"],
    "nested": {"list": [1, 2.5, None, True, "x", [], {}], "dict": {"a": {"b": [{"c": -0.125}]}}},
    "floats": [0.1, 1e-300, -2.5, 1e20, 3.0],
    "big": 2**40,
    "none": None,
    "flag": False,
    "empty": "",
    "text": 'line\nbreak "quoted" 日本語',
}


def run_together(count: int, task) -> list:
    """Run task(i) for i in range(count) on `count` threads released at the same moment."""
    barrier = threading.Barrier(count)

    def start(i):
        barrier.wait()
        return task(i)

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(start, range(count)))


# Artifacts


def test_create_get_round_trip(store):
    assert store.create_artifact("rich", copy.deepcopy(RICH_DOC)) is True
    got = store.get_artifact("rich")
    assert got == RICH_DOC
    got["nested"]["list"].append("changed")  # a fresh dict: changing it changes nothing stored
    assert store.get_artifact("rich") == RICH_DOC


def test_get_missing_returns_none(store):
    assert store.get_artifact("nope") is None


def test_duplicate_create_returns_false_and_keeps_original(store):
    assert store.create_artifact("a", {"type": "t", "v": 1}) is True
    assert store.create_artifact("a", {"type": "other", "v": 2}) is False
    assert store.get_artifact("a") == {"type": "t", "v": 1}
    assert store.list_artifacts() == [{"type": "t", "v": 1}]


def test_update_merges_top_level_fields(store):
    store.create_artifact("a", {"type": "t", "status": "new", "meta": {"x": 1, "y": 2}})
    updated = store.update_artifact("a", {"status": "done", "meta": {"z": 3}, "extra": [1, None]})
    expected = {"type": "t", "status": "done", "meta": {"z": 3}, "extra": [1, None]}
    assert updated == expected
    assert store.get_artifact("a") == expected


def test_update_missing_returns_none_and_creates_nothing(store):
    assert store.update_artifact("ghost", {"status": "done"}) is None
    assert store.get_artifact("ghost") is None
    assert store.list_artifacts() == []


def test_list_is_insertion_order_with_type_filter(store):
    for name, kind in [("zeta", "model"), ("alpha", "dataset"), ("mid", "model"), ("b", None)]:
        store.create_artifact(name, {"name": name, "type": kind})
    assert [d["name"] for d in store.list_artifacts()] == ["zeta", "alpha", "mid", "b"]
    assert [d["name"] for d in store.list_artifacts("model")] == ["zeta", "mid"]
    assert [d["name"] for d in store.list_artifacts("dataset")] == ["alpha"]
    assert store.list_artifacts("unknown") == []


def test_type_filter_follows_updates(store):
    store.create_artifact("a", {"name": "a", "type": "model"})
    store.update_artifact("a", {"type": "dataset"})
    assert store.list_artifacts("model") == []
    assert store.list_artifacts("dataset") == [{"name": "a", "type": "dataset"}]


def test_dependants_follow_parents_lists(store):
    store.create_artifact("data", {"parents": []})
    store.create_artifact("dataset", {"parents": ["raw"]})  # "data" only as a prefix elsewhere
    store.create_artifact("child1", {"parents": ["other", "data"]})
    store.create_artifact("loose", {"note": "no parents key"})
    store.create_artifact("child2", {"parents": ["data"]})
    store.create_artifact("grandchild", {"parents": ["child1"]})
    assert store.dependants("data") == ["child1", "child2"]
    assert store.dependants("child1") == ["grandchild"]
    assert store.dependants("grandchild") == []
    store.update_artifact("loose", {"parents": ["data"]})
    assert sorted(store.dependants("data")) == ["child1", "child2", "loose"]


def test_delete_removes_doc_and_its_executions(store):
    store.create_artifact("a", {"v": 1})
    store.create_artifact("b", {"v": 2})
    store.add_execution("a", {"run": 1})
    store.add_execution("b", {"run": 1})
    assert store.delete_artifact("a") is True
    assert store.get_artifact("a") is None
    assert store.list_executions("a") == []
    assert store.delete_artifact("a") is False
    assert store.list_artifacts() == [{"v": 2}]
    assert store.list_executions("b") == [{"run": 1, "_id": 1}]


def test_recreated_name_starts_a_fresh_log(store):
    store.create_artifact("a", {"v": 1})
    store.add_execution("a", {"run": 1})
    store.add_execution("a", {"run": 2})
    store.delete_artifact("a")
    assert store.create_artifact("a", {"v": 2}) is True
    assert store.add_execution("a", {"run": "new"}) == 1
    assert store.list_executions("a") == [{"run": "new", "_id": 1}]


def test_latest_execution_is_the_last_one_appended(store):
    store.create_artifact("a", {"v": 1})
    assert store.latest_execution("a") is None
    for run in range(1, 13):  # past 9: numbers, not text, decide the order
        store.add_execution("a", {"run": run})
    store.add_execution("b", {"run": "other"})
    assert store.latest_execution("a") == {"run": 12, "_id": 12}
    assert store.latest_execution("missing") is None


def test_non_json_values_are_refused(store):
    with pytest.raises(ValueError):
        store.create_artifact("nan", {"score": float("nan")})
    assert store.get_artifact("nan") is None
    with pytest.raises(ValueError):
        store.add_execution("nan", {"loss": float("inf")})
    assert store.list_executions("nan") == []


def test_concurrent_create_of_one_name_has_one_winner(store):
    results = run_together(8, lambda i: store.create_artifact("same", {"writer": i}))
    assert results.count(True) == 1
    assert results.count(False) == 7
    assert store.get_artifact("same") == {"writer": results.index(True)}
    assert store.list_artifacts() == [{"writer": results.index(True)}]


# Executions


def test_executions_numbered_per_artifact(store):
    numbers = [
        store.add_execution("a", {"n": "a1"}),
        store.add_execution("b", {"n": "b1"}),
        store.add_execution("a", {"n": "a2", "detail": {"x": [1.5]}}),
        store.add_execution("a", {"n": "a3"}),
        store.add_execution("b", {"n": "b2"}),
    ]
    assert numbers == [1, 1, 2, 3, 2]
    assert store.list_executions("a") == [
        {"n": "a1", "_id": 1},
        {"n": "a2", "detail": {"x": [1.5]}, "_id": 2},
        {"n": "a3", "_id": 3},
    ]
    assert [e["n"] for e in store.list_executions("b")] == ["b1", "b2"]
    assert store.list_executions("none") == []


def test_concurrent_add_execution_has_no_gaps_or_duplicates(store):
    def add_many(thread):
        return [store.add_execution("busy", {"thread": thread, "i": i}) for i in range(25)]

    per_thread = run_together(8, add_many)
    returned = sorted(n for numbers in per_thread for n in numbers)
    assert returned == list(range(1, 201))
    for numbers in per_thread:
        assert numbers == sorted(numbers)  # one thread's appends come in its own order
    log = store.list_executions("busy")
    assert [e["_id"] for e in log] == list(range(1, 201))
    by_number = {e["_id"]: (e["thread"], e["i"]) for e in log}
    for thread, numbers in enumerate(per_thread):
        assert [by_number[n] for n in numbers] == [(thread, i) for i in range(25)]


# Jobs


def test_job_create_get_update(store):
    job = {"id": "j1", "status": "queued", "artifact": "a", "params": {"k": [1, 2]}}
    store.create_job(copy.deepcopy(job))
    assert store.get_job("j1") == job
    updated = store.update_job("j1", {"status": "running", "pid": 42})
    assert updated == {**job, "status": "running", "pid": 42}
    assert store.get_job("j1") == updated
    assert store.update_job("missing", {"status": "failed"}) is None
    assert store.get_job("missing") is None


def test_duplicate_job_id_is_refused(store):
    store.create_job({"id": "j1", "status": "queued"})
    with pytest.raises(ValueError):
        store.create_job({"id": "j1", "status": "running"})
    assert store.get_job("j1") == {"id": "j1", "status": "queued"}


def test_active_jobs_are_queued_or_running_in_creation_order(store):
    for job_id, status in [
        ("j1", "queued"),
        ("j2", "finished"),
        ("j3", "running"),
        ("j4", "queued"),
        ("j5", "failed"),
        ("j6", "cancelled"),
    ]:
        store.create_job({"id": job_id, "status": status})
    assert [j["id"] for j in store.active_jobs()] == ["j1", "j3", "j4"]
    store.update_job("j1", {"status": "finished"})
    store.update_job("j2", {"status": "running"})  # created early, so listed first
    assert [j["id"] for j in store.active_jobs()] == ["j2", "j3", "j4"]
    assert store.active_jobs()[0] == {"id": "j2", "status": "running"}


# Persistence


def test_data_survives_close_and_reopen(open_store):
    store = open_store()
    store.create_artifact("old", {"type": "model", "parents": ["src"]})
    store.add_execution("old", {"run": 1})
    store.add_execution("old", {"run": 2})
    store.create_job({"id": "j1", "status": "running"})
    store.close()

    store = open_store()
    assert store.get_artifact("old") == {"type": "model", "parents": ["src"]}
    assert store.dependants("src") == ["old"]
    assert store.add_execution("old", {"run": 3}) == 3
    assert [e["_id"] for e in store.list_executions("old")] == [1, 2, 3]
    assert store.active_jobs() == [{"id": "j1", "status": "running"}]
    store.create_artifact("new", {"type": "model"})
    assert store.list_artifacts("model") == [
        {"type": "model", "parents": ["src"]},
        {"type": "model"},
    ]
    assert store.create_artifact("old", {}) is False


# Records


def test_records_are_kept_per_kind_in_first_insertion_order(store):
    store.put_record("notebook", "b", {"name": "b", "versions": [1]})
    store.put_record("notebook", "a", {"name": "a"})
    store.put_record("schedule", "a", {"id": "a", "cron": "* * * * *"})
    store.put_record("notebook", "b", {"name": "b", "versions": [1, 2]})
    assert store.list_records("notebook") == [{"name": "b", "versions": [1, 2]},
                                              {"name": "a"}]
    assert store.get_record("schedule", "a") == {"id": "a", "cron": "* * * * *"}
    assert store.get_record("schedule", "b") is None
    assert store.delete_record("notebook", "b") is True
    assert store.delete_record("notebook", "b") is False
    assert store.list_records("notebook") == [{"name": "a"}]
    assert store.list_records("nothing") == []


def test_concurrent_puts_of_one_record_leave_one(store):
    def put(i):
        store.put_record("schedule", "same", {"i": i})

    threads = [threading.Thread(target=put, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(store.list_records("schedule")) == 1


# Backend specifics


def test_sqlite_file_uses_wal(tmp_path):
    path = tmp_path / "m.sqlite3"
    SqliteStore(path).close()
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_mongo_unreachable_fails_clearly():
    url = f"mongodb://127.0.0.1:{free_port()}/"
    with pytest.raises(ConnectionError, match="cannot reach MongoDB"):
        MongoStore(url, "lo", timeout_ms=300)
