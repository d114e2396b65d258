"""The shared-notebook magics on a real IPython shell against a real lo-server."""

import datetime as dt
import json

import nbformat
import pytest
from IPython.core.error import UsageError
from IPython.utils.io import capture_output

from lo_jupyter.errors import JobFailed
from lo_jupyter.notebook_magics import parse_parameters
from tests.jupyter.conftest import unique


def write_notebook(path, *sources: str, parameters: str | None = None):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    if parameters is not None:
        nb.cells.append(nbformat.v4.new_code_cell(parameters, metadata={"tags": ["parameters"]}))
    nb.cells += [nbformat.v4.new_code_cell(source) for source in sources]
    nbformat.write(nb, str(path))
    return path


def test_share_list_and_open_a_copy_of_each_version(ip, tmp_path, monkeypatch):
    name = unique("shared")
    source = write_notebook(tmp_path / "draft.ipynb", "print('first')")
    with capture_output() as out:
        ip.run_line_magic("lo_share", f"{source} --name {name}")
    assert out.stdout.startswith(f"shared {name} version 1 ")
    write_notebook(source, "print('second')", "print('more')")
    ip.run_line_magic("lo_share", f"{source} --name {name}")

    table = ip.run_line_magic("lo_notebooks", "")
    row = table.set_index("name").loc[name]
    assert (row["versions"], row["latest"], row["cells"], row["runs"]) == (2, 2, 2, 0)

    monkeypatch.chdir(tmp_path)
    ip.run_line_magic("lo_open", name)
    copy = nbformat.read(str(tmp_path / f"{name}.ipynb"), as_version=4)
    assert [c.source for c in copy.cells] == ["print('second')", "print('more')"]
    with pytest.raises(UsageError, match="already exists: --force overwrites it"):
        ip.run_line_magic("lo_open", name)
    ip.run_line_magic("lo_open", f"{name} --version 1 --force")
    copy = nbformat.read(str(tmp_path / f"{name}.ipynb"), as_version=4)
    assert [c.source for c in copy.cells] == ["print('first')"]


def test_share_defaults_the_name_to_the_file_stem(ip, tmp_path):
    name = unique("stem")
    ip.run_line_magic("lo_share", str(write_notebook(tmp_path / f"{name}.ipynb", "1 + 1")))
    assert name in set(ip.run_line_magic("lo_notebooks", "")["name"])


def test_bad_inputs_are_one_line_usage_errors(ip, tmp_path):
    with pytest.raises(UsageError, match="no notebook file"):
        ip.run_line_magic("lo_share", str(tmp_path / "missing.ipynb"))
    broken = tmp_path / "broken.ipynb"
    broken.write_text(json.dumps({"cells": "not a list"}))
    with pytest.raises(UsageError, match="invalid notebook"):
        ip.run_line_magic("lo_share", f"{broken} --name {unique('broken')}")
    with pytest.raises(UsageError, match="no shared notebook named"):
        ip.run_line_magic("lo_open", f"{unique('nothing')} --dir {tmp_path}")
    with pytest.raises(UsageError, match="no shared notebook named"):
        ip.run_line_magic("lo_run", unique("nothing"))
    with pytest.raises(UsageError, match="not both"):
        ip.run_line_magic("lo_run", "x --at 2030-01-01T00:00:00 --cron '* * * * *'")
    with pytest.raises(UsageError, match="-p needs NAME=VALUE"):
        ip.run_line_magic("lo_run", "x -p 1bad=2")


def test_listed_by_help_and_removed_on_unload(ip):
    with capture_output() as out:
        ip.run_line_magic("lo_help", "")
    for magic in ("%lo_share", "%lo_notebooks", "%lo_open", "%lo_run"):
        assert magic in out.stdout
    ip.extension_manager.unload_extension("lo_jupyter")
    assert ip.find_line_magic("lo_run") is None and ip.find_line_magic("lo_share") is None
    ip.extension_manager.load_extension("lo_jupyter")
    assert ip.find_line_magic("lo_run") is not None


def test_parameters_are_literals_or_text():
    assert parse_parameters(["n=3", "rate=0.5", "who=world", "items=[1, 2]", "s='q'"]) == {
        "n": 3, "rate": 0.5, "who": "world", "items": [1, 2], "s": "q"}


@pytest.mark.slow
def test_run_injects_parameters_waits_and_keeps_the_executed_notebook(ip, tmp_path,
                                                                      orchestra):
    name, out_name = unique("report"), unique("report_out")
    path = write_notebook(tmp_path / "report.ipynb", "print('total', n * 2, who)",
                          parameters="n = 1\nwho = 'nobody'")
    ip.run_line_magic("lo_share", f"{path} --name {name}")
    with capture_output() as out:
        ip.run_line_magic("lo_run", f"{name} -p n=21 -p who=world --out {out_name}")
    assert out.stdout.endswith(f"{out_name}: finished; the executed notebook: "
                               f"%lo_get {out_name}\n")
    executed = orchestra.request("GET", f"/artifacts/{out_name}/download").content
    cells = nbformat.reads(executed.decode(), as_version=4).cells
    assert "injected-parameters" in cells[1].metadata["tags"]
    assert cells[2].outputs[0]["text"] == "total 42 world\n"
    assert ip.run_line_magic("lo_notebooks", "").set_index("name").loc[name]["runs"] == 1


@pytest.mark.slow
def test_a_failing_cell_fails_the_run_with_the_cell_named(ip, tmp_path):
    name = unique("failing")
    path = write_notebook(tmp_path / "f.ipynb", "x = 1", "raise ValueError('bad data')")
    ip.run_line_magic("lo_share", f"{path} --name {name}")
    with pytest.raises(JobFailed, match="cell 2: ValueError: bad data"):
        ip.run_line_magic("lo_run", name)


@pytest.mark.slow
def test_async_run_returns_a_job_handle(ip, tmp_path):
    name = unique("later")
    ip.run_line_magic("lo_share", f"{write_notebook(tmp_path / 'l.ipynb', '1')} --name {name}")
    job = ip.run_line_magic("lo_run", f"{name} --async")
    assert job.name == f"{name}_run1" and job.type == "notebook/run"
    assert job.wait(120)["status"] == "finished"


def test_at_and_cron_schedule_instead_of_running(ip, tmp_path, orchestra):
    name = unique("nightly")
    ip.run_line_magic("lo_share", f"{write_notebook(tmp_path / 'n.ipynb', '1')} --name {name}")
    at = (dt.datetime.now(dt.UTC) + dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%S")
    with capture_output() as out:
        once = ip.run_line_magic("lo_run", f"{name} --at {at} -p k=1")
    assert out.stdout.startswith(f"scheduled {name} (schedule {once['id']}); next run at ")
    repeated = ip.run_line_magic("lo_run", f'{name} --cron "0 6 * * *"')
    table = ip.run_line_magic("lo_notebooks", "--schedules").set_index("id")
    assert table.loc[once["id"], "at"] == at and table.loc[once["id"], "notebook"] == name
    assert table.loc[repeated["id"], "cron"] == "0 6 * * *"
    assert not orchestra.exists(f"{name}_run1")  # scheduled, not run
    for schedule in (once, repeated):
        orchestra.delete_schedule(schedule["id"])
