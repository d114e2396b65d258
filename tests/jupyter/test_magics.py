"""The magics on a real IPython shell against a real lo-server on loopback."""

import os
import signal
import threading
import time

import pandas as pd
import pytest
from IPython.core.error import UsageError
from IPython.utils.io import capture_output

from lo_jupyter import connection
from lo_jupyter.client import Job
from lo_jupyter.errors import JobFailed
from tests.jupyter.conftest import unique


def test_function_cell_prints_remote_output_and_keeps_dollar_references(ip, orchestra):
    first = unique("src")
    ip.run_cell_magic("lo_function", first, "response = {'values': [1, 2, 3]}")
    ip.user_ns[first] = "a kernel variable with the artifact's name"
    second = unique("sum")
    with capture_output() as out:
        ip.run_cell_magic("lo_function", f"{second} -p v=${first}.values -p k=10",
                          "print('total', sum(v) * k)\nresponse = None")
    assert out.stdout == "total 60\n"
    assert orchestra.artifact(second)["parents"] == [first]


def test_a_quick_cell_costs_one_request(ip):
    """The submit waits for a job that ends within a tick: no second request to observe."""
    sent = []
    ip._lo_magics.client.http.event_hooks["request"].append(sent.append)
    with capture_output() as out:
        ip.run_cell_magic("lo_function", unique("one"), "print('fast')\nresponse = None")
    assert out.stdout == "fast\n"
    assert [(r.method, r.url.path.rsplit("/", 2)[-2:]) for r in sent] == \
        [("POST", ["function", "python"])]


def test_out_puts_the_response_into_the_namespace(ip):
    name = unique("out")
    ip.run_cell_magic("lo_function", f"{name} -p n=4 --out squares",
                      "response = [i * i for i in range(n)]")
    assert ip.user_ns["squares"] == [0, 1, 4, 9]


def test_inputs_ship_kernel_variables(ip):
    ip.user_ns["threshold"] = 2.5
    with capture_output() as out:
        ip.run_cell_magic("lo_function", f"{unique()} -i threshold",
                          "print(threshold * 2)\nresponse = None")
    assert out.stdout == "5.0\n"


def test_remote_exception_shows_remote_traceback_and_fails_the_cell(ip):
    name = unique("err")
    with capture_output() as out:
        result = ip.run_cell(f"%%lo_function {name}\nprint('partial output')\n"
                             "values = {}\nvalues['missing']")
    assert isinstance(result.error_in_exec, JobFailed)
    assert "partial output" in out.stdout
    assert f"Remote traceback of '{name}'" in out.stdout
    assert "values['missing']" in out.stdout and "KeyError: 'missing'" in out.stdout
    assert "lo_jupyter/client.py" not in out.stdout  # no local client frames


def test_running_the_cell_again_reruns_with_the_new_code(ip, orchestra):
    name = unique("again")
    with capture_output() as out:
        ip.run_cell_magic("lo_function", name, "print('v1')\nresponse = 1")
        ip.run_cell_magic("lo_function", name, "print('v2')\nresponse = 2")
    assert out.stdout == "v1\nv2\n"
    assert len(orchestra.executions(name)) == 2


def test_a_name_taken_by_another_type_is_refused(ip, orchestra):
    name = unique("taken")
    orchestra.upload(name, pd.DataFrame({"a": [1]})).wait(60)
    with pytest.raises(UsageError, match="already a dataset/csv"):
        ip.run_cell_magic("lo_function", name, "response = 1")


def test_bad_arguments_are_usage_errors(ip):
    with pytest.raises(UsageError, match="VAR=VALUE"):
        ip.run_cell_magic("lo_function", f"{unique()} -p nonsense", "response = 1")
    with pytest.raises(UsageError, match="drop --async"):
        ip.run_cell_magic("lo_function", f"{unique()} --async --out x", "response = 1")
    with pytest.raises(UsageError, match="invalid function code"):
        ip.run_cell_magic("lo_function", unique(), "def broken(:\n")


def test_ctrl_c_while_waiting_cancels_the_remote_job(ip, orchestra):
    name = unique("ctrlc")
    main = threading.main_thread().ident

    def interrupt_when_running():
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if orchestra.exists(name) and orchestra.artifact(name)["status"] == "running":
                signal.pthread_kill(main, signal.SIGINT)  # what Ctrl-C / Jupyter's stop does
                return
            time.sleep(0.05)

    helper = threading.Thread(target=interrupt_when_running, daemon=True)
    helper.start()
    with capture_output() as out, pytest.raises(KeyboardInterrupt):
        ip.run_cell_magic("lo_function", name, "import time\ntime.sleep(60)\nresponse = 1")
    helper.join(5)
    assert "remote job was cancelled" in out.stdout
    doc = orchestra.artifact(name)
    assert doc["status"] == "cancelled" and doc["error"]["message"] == "cancelled by request"


def test_progress_line_for_jobs_longer_than_a_tick(ip):
    name = unique("prog")
    ip._lo_magics.tick = 0.2
    with capture_output() as out:
        ip.run_cell_magic("lo_function", name, "import time\nprogress(0.5, 'halfway')\n"
                                               "time.sleep(1.2)\nprint('done')\nresponse = 1")
    assert f"{name}: running 50% (halfway)" in out.stdout
    assert out.stdout.rstrip().endswith("done")
    assert f"{name}: finished" in out.stdout


def test_async_handle_then_wait_and_cancel(ip, orchestra):
    name = unique("bg")
    with capture_output():
        job = ip.run_cell_magic("lo_function", f"{name} --async", "print('later')\n"
                                                                  "response = 7")
    assert isinstance(job, Job) and job.name == name
    with capture_output() as out:
        ip.run_line_magic("lo_wait", name)
    assert out.stdout.endswith(f"later\n{name}: finished\n")
    slow = unique("bgslow")
    with capture_output():
        ip.run_cell_magic("lo_function", f"{slow} --async", "import time\ntime.sleep(60)\n"
                                                            "response = 1")
    with capture_output() as out:
        ip.run_line_magic("lo_cancel", slow)
    assert out.stdout == f"{slow}: cancelled\n"
    with pytest.raises(JobFailed):
        ip.run_line_magic("lo_wait", slow)


def test_dataset_from_dataframe_url_and_rerun(ip, orchestra, files):
    name = unique("df")
    ip.user_ns["frame"] = pd.DataFrame({"x": [1, 2, 3], "y": ["a", "b", "c"]})
    with capture_output() as out:
        ip.run_line_magic("lo_dataset", f"{name} frame")
    assert out.stdout == f"{name}: finished: 3 rows x 2 fields\n"
    assert orchestra.page(name)["y"].tolist() == ["a", "b", "c"]
    with capture_output() as out:
        ip.run_line_magic("lo_dataset", f"{name} frame")
    assert "already exists" in out.stdout
    url = files.add(f"{name}.csv", "x,y\n9,z\n")
    with capture_output():
        ip.run_line_magic("lo_dataset", f"{name} {url} --replace")
    assert orchestra.page(name)["y"].tolist() == ["z"]
    with pytest.raises(UsageError, match="not an http"):
        ip.run_line_magic("lo_dataset", f"{unique()} no_such_variable")


def test_get_returns_or_stores_values(ip):
    name = unique("get")
    ip.run_cell_magic("lo_function", name, "response = {'k': 'v'}")
    assert ip.run_line_magic("lo_get", name) == {"k": "v"}
    ip.run_line_magic("lo_get", f"${name} --out got")
    assert ip.user_ns["got"] == {"k": "v"}


def test_jobs_table_lists_artifacts_with_status(ip):
    name = unique("tab")
    with capture_output():
        ip.run_cell(f"%%lo_function {name}\nraise RuntimeError('nope')")
    table = ip.run_line_magic("lo_jobs", "--type function/python")
    row = table.set_index("name").loc[name]
    assert row["status"] == "failed" and row["error"] == "RuntimeError: nope"
    assert set(table["type"]) == {"function/python"}
    failed = ip.run_line_magic("lo_jobs", "--status failed")
    assert name in set(failed["name"]) and set(failed["status"]) == {"failed"}


def test_connect_with_url_token_and_status(ip, server):
    with capture_output() as out:
        ip.run_line_magic("lo_connect", f"{server.api} --token={server.token}")
    assert out.stdout.startswith(f"connected to {server.url} (lo-server ")
    with capture_output() as out:
        ip.run_line_magic("lo_connect", "--status")
    assert f"server:    {server.url}" in out.stdout and "auth:      token" in out.stdout
    with pytest.raises(UsageError, match="401: wrong token"):
        ip.run_line_magic("lo_connect", f"{server.url} --token nope")


def test_help_and_docstrings(ip):
    with capture_output() as out:
        ip.run_line_magic("lo_help", "")
    for magic in ("%%lo_function", "%%lo_builder", "%lo_connect", "%lo_explore", "%lo_dataset",
                  "%lo_get", "%lo_wait", "%lo_cancel", "%lo_jobs", "%lo_pipeline"):
        assert magic in out.stdout
    doc = ip.find_cell_magic("lo_function").__doc__
    assert "--out VAR" in doc and "-p VAR=VALUE" in doc and "Ctrl-C" in doc


def test_configurable_and_unloadable(shell):
    shell.run_line_magic("config", "LoMagics.tick = 0.3")
    assert shell._lo_magics.tick == 0.3
    shell.extension_manager.unload_extension("lo_jupyter")
    assert shell.find_line_magic("lo_connect") is None
    shell.extension_manager.load_extension("lo_jupyter")
    assert shell.find_cell_magic("lo_function") is not None


@pytest.mark.slow
def test_connect_without_arguments_starts_a_local_server(shell, monkeypatch, tmp_path):
    for variable in ("LO_URL", "LO_TOKEN"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("LO_DATA_DIR", str(tmp_path / "home-data"))
    monkeypatch.setenv("LO_PORT", "0")
    magics = shell._lo_magics
    magics.client, magics.workers = None, 1
    try:
        with capture_output() as out:
            shell.run_line_magic("lo_connect", "")
        assert "started the local server" in out.stdout
        info = connection.running_server(tmp_path / "home-data")
        assert info is not None and magics.client.url == info["url"]
        assert os.getpgid(info["pid"]) != os.getpgid(0)  # Ctrl-C in the kernel spares it
        with capture_output() as out:
            shell.run_cell_magic("lo_function", "hello", "print('from local')\nresponse = 1")
        assert out.stdout.endswith("from local\n")
        with capture_output() as out:
            shell.run_line_magic("lo_connect", "")
        assert "reusing the local server" in out.stdout
    finally:
        if magics.client is not None:
            magics.client.close()
        magics.client, magics.workers = None, 2
        assert connection.stop_local(tmp_path / "home-data")
    assert connection.running_server(tmp_path / "home-data") is None
