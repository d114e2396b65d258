"""The worker-side entry point, called directly (no Dask) on real artifact files."""

import os
import subprocess
import sys
import threading

import pandas as pd

from lo_server import artifacts, tables
from lo_server.jobs import runner


def run(tmp_path, code, params=None, name="fn", **extra):
    spec = {"name": name, "code": code, "codeUrl": None, "params": params or {}, **extra}
    return runner.run_job("job1", 1, "function", spec, str(tmp_path))


def test_function_result_output_and_format(tmp_path):
    summary = run(tmp_path, "print('hello')\nresponse = {'a': 1}")
    assert summary == {"ok": True, "metadata": {"format": "pickle"}, "output": "hello\n"}
    assert artifacts.load_object(tmp_path, "fn", "pickle") == {"a": 1}


def test_a_function_job_loads_no_table_library_and_every_task_resolves(tmp_path):
    """Task modules load on first use: a worker that only ran Functions stays without
    pandas and pyarrow (about 120 MiB), and every registered task still imports."""
    spec = {"name": "fn", "code": "response = [1]", "codeUrl": None, "params": {}}
    script = (
        "import sys\nfrom lo_server.jobs import runner\nfrom lo_server.jobs.tasks import TASKS\n"
        f"summary = runner.run_job('j', 1, 'function', {spec!r}, {str(tmp_path)!r})\n"
        "assert summary['ok'], summary\n"
        "print(sorted(m for m in ('pandas', 'pyarrow', 'pyspark') if m in sys.modules))\n"
        "print(sorted(t for t in TASKS if not callable(runner.task_function(t))))\n")
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         timeout=300, check=True).stdout
    assert out.splitlines() == ["[]", "[]"]


def test_one_namespace_lets_helpers_see_top_level_imports(tmp_path):
    code = "import math\ndef area(r):\n    return math.pi * r * r\nresponse = round(area(1), 2)"
    assert run(tmp_path, code)["ok"]
    assert artifacts.load_object(tmp_path, "fn", "pickle") == 3.14


def test_dataframe_results_become_tables(tmp_path):
    summary = run(tmp_path, "import pandas as pd\nresponse = pd.DataFrame({'x': [1, 2, 3]})")
    assert summary["metadata"] == {"format": "parquet", "fields": ["x"], "rows": 3}
    path = artifacts.artifact_file(tmp_path, "fn", "parquet")
    assert [r["x"] for r in tables.read_page(path, 0, 10)] == [1, 2, 3]


def test_references_are_resolved_in_the_worker(tmp_path):
    artifacts.save_object(tmp_path, "src", {"k": [1, 2, 3]})
    params = {"v": {"__lo_ref__": "src", "key": "k", "format": "pickle"}}
    assert run(tmp_path, "response = sum(v)", params)["ok"]
    assert artifacts.load_object(tmp_path, "fn", "pickle") == 6


def test_user_errors_keep_output_and_traceback(tmp_path):
    summary = run(tmp_path, "print('before')\n1 / 0")
    assert not summary["ok"] and summary["output"] == "before\n"
    assert summary["error"]["message"] == "ZeroDivisionError: division by zero"
    assert "<function fn>" in summary["error"]["traceback"]


def test_missing_response_and_sys_exit_fail_clearly(tmp_path):
    missing = run(tmp_path, "x = 1")
    assert "response" in missing["error"]["message"]
    exited = run(tmp_path, "import sys\nsys.exit(3)")
    assert exited["error"]["message"] == "SystemExit: 3"


def test_output_is_captured_per_thread_and_truncated(tmp_path):
    results = {}

    def job(i):
        results[i] = run(tmp_path, f"for _ in range(200):\n    print({i})\nresponse = None",
                         name=f"fn{i}")

    threads = [threading.Thread(target=job, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for i in range(4):
        assert set(results[i]["output"].split()) == {str(i)}
    big = runner.run_job("j", 1, "function", {"name": "big", "code": "print('x' * 5000)\n"
                         "response = None", "codeUrl": None, "params": {}}, str(tmp_path),
                         max_output=100)
    assert big["output"].startswith("x" * 100)
    assert "[output truncated: 4901 more characters]" in big["output"]


def test_small_summaries_travel_with_the_last_event():
    import pickle

    sent = []
    small = {"ok": True, "metadata": {"format": "pickle"}, "output": "hi\n"}
    runner._announce(sent.append, small)
    assert sent[0]["status"] == "ended" and pickle.loads(sent[0]["summary"]) == small
    sent.clear()
    runner._announce(sent.append, {**small, "output": "x" * runner.EVENT_SUMMARY_LIMIT})
    runner._announce(sent.append, {**small, "metadata": {"f": lambda: 1}})  # not picklable
    assert sent == []  # both come back as the task's result only


def test_ingest_csv_from_an_upload(tmp_path):
    source = tmp_path / "upload.csv"
    pd.DataFrame({"a": ["007", ""], "b": ["x", "y"]}).to_csv(source, index=False)
    summary = runner.run_job("j", 1, "ingest", {"name": "ds", "kind": "csv",
                                                "upload": str(source)}, str(tmp_path))
    assert summary["ok"], summary
    assert summary["metadata"] == {"format": "parquet", "fields": ["a", "b"], "rows": 2}
    assert not source.exists()
    page = tables.read_page(artifacts.artifact_file(tmp_path, "ds", "parquet"), 0, 5)
    assert page == [{"a": "007", "b": "x", "_id": 1}, {"a": "", "b": "y", "_id": 2}]


def test_ingest_parses_a_csv_while_it_downloads(tmp_path, files, monkeypatch):
    import pyarrow as pa

    url = files.add("streamed.csv", "a,b\n" + "".join(f"{i},x{i}\n" for i in range(50_000)))
    seen = []
    monkeypatch.setattr(tables, "_write_csv_batches", lambda reader, tmp, real=tables.
                        _write_csv_batches: seen.append(pa.cpu_count()) or real(reader, tmp))
    spec = {"name": "ds", "kind": "csv", "url": url, "maxBytes": 10**7, "timeout": 30}
    before = pa.cpu_count()
    pa.set_cpu_count(1)  # as in a Dask worker, whose nanny sets OMP_NUM_THREADS=1
    try:
        summary = runner.run_job("j", 1, "ingest", spec, str(tmp_path))
        assert pa.cpu_count() == 1  # as it was, after the job
    finally:
        pa.set_cpu_count(before)
    assert summary["ok"], summary
    assert summary["metadata"] == {"format": "parquet", "fields": ["a", "b"], "rows": 50_000}
    assert seen == [len(os.sched_getaffinity(0))]  # the parse ran on every core
    assert sorted(p.name for p in (tmp_path / "ds").iterdir()) == ["data.parquet"]
    page = tables.read_page(artifacts.artifact_file(tmp_path, "ds", "parquet"), 49_999, 5)
    assert page == [{"a": "49999", "b": "x49999", "_id": 50_000}]


def test_ingest_explains_a_ragged_download_and_keeps_nothing(tmp_path, files):
    url = files.add("ragged.csv", "a,b\n" + "1,2\n" * 100_000 + "1,2,3\n")
    spec = {"name": "bad", "kind": "csv", "url": url, "maxBytes": 10**7, "timeout": 30}
    summary = runner.run_job("j", 1, "ingest", spec, str(tmp_path))
    assert not summary["ok"]
    assert "line 100002 has 3 values, the header has 2" in summary["error"]["message"]
    assert list((tmp_path / "bad").iterdir()) == []
