"""A notebook run headless by nbclient on a real kernel: the extension as a user meets it."""

import base64

import nbformat
import pytest
from nbclient import NotebookClient

from tests.jupyter.conftest import unique

pytestmark = pytest.mark.slow


def notebook(cells: list[tuple[str, list[str]]]):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    for source, tags in cells:
        cell = nbformat.v4.new_code_cell(source)
        cell.metadata["tags"] = tags
        nb.cells.append(cell)
    return nb


def stdout_of(cell) -> str:
    return "".join(o.get("text", "") for o in cell.outputs
                   if o.output_type == "stream" and o.name == "stdout")


def test_function_explore_and_live_panel_in_a_real_kernel(server, monkeypatch, tmp_path):
    monkeypatch.delenv("LO_URL", raising=False)
    monkeypatch.delenv("LO_TOKEN", raising=False)
    monkeypatch.setenv("LO_DATA_DIR", str(server.data_dir))  # %lo_connect reuses this server
    data, hello, later, fail = unique("nb_data"), unique("nb_hello"), unique("nb_later"), \
        unique("nb_fail")
    nb = notebook([
        ("%load_ext lo_jupyter", []),
        ("%lo_connect", []),
        ("import pandas as pd\n"
         "frame = pd.DataFrame({'kind': ['a', 'b', 'a', 'c'], 'x': [1, 2, 3, 4]})\n"
         f"%lo_dataset {data} frame", []),
        (f"%%lo_function {hello} -p who=notebook -p data=${data}\n"
         "print('hello from', who, len(data))\nresponse = 42", []),
        (f"%lo_explore histogram {data} --fields kind", []),
        ("panel = %lo_pipeline", []),
        (f"%%lo_function {later}\nresponse = 1", []),
        ("import asyncio\n"
         "for _ in range(100):\n"
         f"    if panel.docs.get('{later}', {{}}).get('status') == 'finished':\n"
         "        break\n"
         "    await asyncio.sleep(0.1)\n"
         f"print('panel sees', panel.docs['{later}']['status'], panel.live)", []),
        (f"%%lo_function {fail}\nraise ValueError('from the notebook')", ["raises-exception"]),
    ])
    NotebookClient(nb, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    cells = nb.cells
    assert stdout_of(cells[1]).startswith(f"connected to {server.url} (lo-server ")
    assert "reusing the local server" in stdout_of(cells[1])
    assert stdout_of(cells[2]).endswith(f"{data}: finished: 4 rows x 2 fields\n")
    assert stdout_of(cells[3]).endswith("hello from notebook 4\n")
    images = [o for o in cells[4].outputs if "image/png" in o.get("data", {})]
    assert len(images) == 1
    assert base64.b64decode(images[0]["data"]["image/png"]).startswith(b"\x89PNG")
    tables = [o for o in cells[4].outputs if "text/html" in o.get("data", {})]
    assert tables and "<table" in tables[0]["data"]["text/html"]
    assert stdout_of(cells[7]) == "panel sees finished True\n"
    [error] = [o for o in cells[8].outputs if o.output_type == "error"]
    assert error.ename == "JobFailed"
    traceback = "\n".join(error.traceback)
    assert f"Remote traceback of '{fail}'" in traceback
    assert "raise ValueError('from the notebook')" in traceback
