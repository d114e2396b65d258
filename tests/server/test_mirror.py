"""Shared artifact storage against a real S3-compatible server (moto's, on loopback)."""

from __future__ import annotations

import json
import threading

import pytest

from lo_server import mirror
from lo_server.config import Settings
from tests.s3_server import s3  # noqa: F401 - the fixture


@pytest.fixture
def store(s3):  # noqa: F811
    bucket = s3.new_bucket()
    return bucket, mirror.Mirror(f"s3://{bucket}/team")


def write(folder, files: dict) -> None:
    for rel, text in files.items():
        path = folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def read_all(folder) -> dict:
    return {p.relative_to(folder).as_posix(): p.read_text()
            for p in sorted(folder.rglob("*")) if p.is_file()
            and not any(part.startswith(".") for part in p.relative_to(folder).parts)}


def test_push_then_pull_round_trips_files_and_subdirectories(s3, store, tmp_path):  # noqa: F811
    bucket, shared = store
    source, cache = tmp_path / "a", tmp_path / "b"
    write(source / "pred", {"data.parquet": "rows", "spark-model/metadata/part-00000": "m",
                            "spark-model/_SUCCESS": "", ".tmp-x": "half", ".download": "raw",
                            "spark-model/metadata/.part-00000.crc": "crc"})
    manifest = shared.push(source, "pred")

    assert set(manifest["files"]) == {"data.parquet", "spark-model/metadata/part-00000",
                                      "spark-model/_SUCCESS"}
    version = manifest["version"]
    assert s3.keys(bucket, "team/artifacts/pred/") == sorted(
        [f"team/artifacts/pred/{version}/{rel}" for rel in manifest["files"]]
        + ["team/artifacts/pred/manifest.json"])
    assert shared.pull(cache, "pred") is True
    assert read_all(cache / "pred") == {"data.parquet": "rows", "spark-model/_SUCCESS": "",
                                        "spark-model/metadata/part-00000": "m"}
    assert shared.pull(cache, "pred") is False  # already current: one GET, no download


def test_a_new_version_replaces_files_and_the_old_version_goes(s3, store, tmp_path):  # noqa: F811
    bucket, shared = store
    source, cache = tmp_path / "a", tmp_path / "b"
    write(source / "x", {"object.pkl": "v1", "plot.png": "p1"})
    first = shared.push(source, "x")
    shared.pull(cache, "x")
    (source / "x" / "plot.png").unlink()
    write(source / "x", {"object.pkl": "v2"})
    second = shared.push(source, "x")

    assert shared.pull(cache, "x") is True
    assert read_all(cache / "x") == {"object.pkl": "v2"}  # plot.png is gone with v1
    keys = s3.keys(bucket, "team/artifacts/x/")
    assert not any(first["version"] in key for key in keys)
    assert f"team/artifacts/x/{second['version']}/object.pkl" in keys


def test_a_version_without_its_manifest_is_invisible(s3, store, tmp_path):  # noqa: F811
    """An upload interrupted before the publishing PUT changes nothing for readers."""
    _, shared = store
    write(tmp_path / "a" / "x", {"object.pkl": "old"})
    shared.push(tmp_path / "a", "x")
    shared.fs.pipe_file(shared.key("artifacts", "x", "half-done", "object.pkl"), b"new")

    shared.pull(tmp_path / "b", "x")
    assert read_all(tmp_path / "b" / "x") == {"object.pkl": "old"}


def test_a_reader_during_rewrites_sees_one_whole_version(store, tmp_path):
    _, shared = store
    names = [f"part{i}.bin" for i in range(4)]
    write(tmp_path / "w" / "x", dict.fromkeys(names, "0"))
    shared.push(tmp_path / "w", "x")
    stop = threading.Event()

    def rewrite():
        n = 0
        while not stop.is_set():
            n += 1
            write(tmp_path / "w" / "x", dict.fromkeys(names, str(n)))
            shared.push(tmp_path / "w", "x")

    writer = threading.Thread(target=rewrite)
    writer.start()
    try:
        seen = set()
        for _ in range(15):
            shared.pull(tmp_path / "r", "x")
            contents = set(read_all(tmp_path / "r" / "x").values())
            assert len(contents) == 1, contents  # never a mix of two versions
            seen |= contents
    finally:
        stop.set()
        writer.join()
    assert len(seen) > 1  # the reader did follow the rewrites


def test_removed_artifacts_leave_the_store_and_stale_caches(s3, store, tmp_path):  # noqa: F811
    bucket, shared = store
    write(tmp_path / "a" / "x", {"object.pkl": "v"})
    shared.push(tmp_path / "a", "x")
    shared.pull(tmp_path / "b", "x")
    shared.remove("x")

    assert s3.keys(bucket, "team/artifacts/x") == []
    assert shared.pull(tmp_path / "b", "x") is False
    assert not (tmp_path / "b" / "x").exists()  # the copy of a deleted artifact goes
    write(tmp_path / "c" / "new", {"object.pkl": "local"})  # never pushed: kept as it is
    assert shared.pull(tmp_path / "c", "new") is False
    assert read_all(tmp_path / "c" / "new") == {"object.pkl": "local"}


def test_single_files_for_uploads_and_notebooks(store, tmp_path):
    _, shared = store
    (tmp_path / "up").write_bytes(b"a,b\n1,2\n")
    shared.put_file(tmp_path / "up", "uploads/123")
    assert shared.get_file("uploads/123", tmp_path / "got" / "file") is True
    assert (tmp_path / "got" / "file").read_bytes() == b"a,b\n1,2\n"
    shared.delete("uploads/123")
    assert shared.get_file("uploads/123", tmp_path / "again") is False
    assert not (tmp_path / "again").exists()


def test_a_directory_url_works_as_a_store(tmp_path):
    """A volume every node mounts: the same versions and manifest, renamed into place."""
    for url in (f"file://{tmp_path}/vol", str(tmp_path / "plain")):
        shared = mirror.Mirror(url)
        write(tmp_path / "a" / "x", {"object.pkl": url, "sub/part": "p"})
        shared.push(tmp_path / "a", "x")
        shared.push(tmp_path / "a", "x")  # the first version is deleted
        assert shared.pull(tmp_path / url.replace("/", "_"), "x") is True
        assert read_all(tmp_path / url.replace("/", "_") / "x") == {"object.pkl": url,
                                                                     "sub/part": "p"}
        stored = list(shared.fs.ls(shared.key("artifacts", "x"), detail=False))
        assert len(stored) == 2  # manifest.json and one version


def test_local_only_without_a_url(tmp_path):
    assert mirror.of(Settings(data_dir=tmp_path)) is None
    mirror.sync(Settings(data_dir=tmp_path), "anything")  # nothing to do, nothing raised
    assert not (tmp_path / "artifacts").exists()


def test_cache_dir_from_the_environment_or_per_url(monkeypatch, tmp_path):
    monkeypatch.setenv(mirror.CACHE_VARIABLE, str(tmp_path / "cache"))
    assert mirror.cache_dir("s3://a/b") == tmp_path / "cache"
    monkeypatch.delenv(mirror.CACHE_VARIABLE)
    assert mirror.cache_dir("s3://a/b") == mirror.cache_dir("s3://a/b")
    assert mirror.cache_dir("s3://a/b") != mirror.cache_dir("s3://a/c")


def test_manifest_is_plain_json(store, tmp_path):
    _, shared = store
    write(tmp_path / "x", {"array.npy": "12345"})
    shared.push(tmp_path, "x")
    published = json.loads(shared.fs.cat_file(shared.key("artifacts", "x", "manifest.json")))
    assert published["files"] == {"array.npy": 5}
    assert json.loads((tmp_path / "x" / mirror.LOCAL_MANIFEST).read_text()) == published


def test_a_server_keeps_every_artifact_in_the_store(s3, files, tmp_path):  # noqa: F811
    """Ingest (URL and upload), a Function job, pages and downloads through a real server;
    then without its local copies, everything comes back from the store."""
    import shutil

    from tests.server_process import client, start_server, wait_terminal

    bucket = s3.new_bucket()
    env = {"LO_ARTIFACTS_URL": f"s3://{bucket}/lo", **s3.env}
    server = start_server(tmp_path / "data", "--workers", "1", env=env)
    try:
        with client(server) as api:
            url = files.add("people.csv", "name,age\nann,31\nbob,42\n")
            assert api.post("/dataset/csv", json={"datasetName": "people",
                                                  "datasetURI": url}).status_code == 201
            assert api.put("/dataset/csv/uploaded", content=b"a,b\n1,2\n3,4\n",
                           headers={"Content-Type": "text/csv"}).status_code == 201
            for name in ("people", "uploaded"):
                assert wait_terminal(api, name)["status"] == "finished", name
            code = "response = data.assign(age=data.age.astype(int) + 1)"
            assert api.post("/function/python", json={
                "name": "older", "function": code,
                "functionParameters": {"data": "$people"}}).status_code == 201
            assert wait_terminal(api, "older")["status"] == "finished"

            keys = s3.keys(bucket, "lo/")
            for name in ("people", "uploaded", "older"):
                assert f"lo/artifacts/{name}/manifest.json" in keys
            assert not [key for key in keys if key.startswith("lo/uploads/")]  # ingested

            shutil.rmtree(tmp_path / "data" / "artifacts")  # the server's and worker's cache
            rows = api.get("/dataset/csv/people", params={"skip": 1, "limit": 5}).json()
            assert [row["name"] for row in rows["result"]] == ["ann", "bob"]
            rows = api.get("/dataset/csv/uploaded", params={"skip": 1}).json()["result"]
            assert [row["a"] for row in rows] == ["1", "3"]
            download = api.get("/artifacts/older/download", params={"format": "csv"})
            assert download.status_code == 200
            assert download.text.splitlines()[1:] == ['"ann",32', '"bob",43']

            shutil.rmtree(tmp_path / "data" / "artifacts")
            code = "response = int(data.age.sum())"
            assert api.post("/function/python", json={
                "name": "total", "function": code,
                "functionParameters": {"data": "$older"}}).status_code == 201
            assert wait_terminal(api, "total")["status"] == "finished"
            assert api.get("/artifacts/total/download").status_code == 200

            assert api.delete("/function/python/total").status_code == 200
            assert not [key for key in s3.keys(bucket, "lo/artifacts/total/")]
    finally:
        server.stop()


def test_a_worker_pulls_inputs_into_its_own_cache_and_pushes_outputs(
        store, tmp_path, monkeypatch):
    """What a worker of an external cluster does: no path from the server, only the URL."""
    from lo_server import artifacts
    from lo_server.jobs import runner

    _, shared = store
    artifacts.save_object(tmp_path / "elsewhere", "numbers", [1, 2, 3])
    shared.push(tmp_path / "elsewhere", "numbers")
    monkeypatch.setenv(mirror.CACHE_VARIABLE, str(tmp_path / "node-cache"))
    from lo_server import refs

    params, _ = refs.plan({"xs": "$numbers"}, lambda name: {"status": "finished",
                                                            "format": "pickle"})
    spec = {"name": "total", "code": "response = sum(xs)", "params": params}
    storage = {"url": shared.url, "cache": None, "pull": ["numbers", "total"],
               "push": ["total"]}

    summary = runner.run_job("j1", 1, "function", spec, "/server/only/path", storage=storage)
    assert summary["ok"], summary
    assert (tmp_path / "node-cache" / "numbers" / "object.pkl").exists()
    shared.pull(tmp_path / "reader", "total")
    assert artifacts.load_object(tmp_path / "reader", "total", "pickle") == 6
