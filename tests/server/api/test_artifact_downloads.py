"""GET /artifacts/{name}/download: every artifact kind as a file, from a real server."""

import io
import time

import numpy as np
import pandas as pd

from tests.ml_helpers import error, png_size, post, run_function, unique, upload_csv
from tests.server_process import wait_terminal

CSV = "a,b\n1,x\n2,y\n"


def download(api, name, fmt=None):
    response = api.get(f"/artifacts/{name}/download", params={"format": fmt} if fmt else None)
    assert response.status_code == 200, response.text
    return response


def test_tables_as_parquet_by_default_or_csv(api, server):
    name = upload_csv(api, CSV)
    parquet = download(api, name)
    assert parquet.headers["content-type"] == "application/vnd.apache.parquet"
    assert parquet.headers["x-lo-format"] == "parquet"
    assert f'filename="{name}.parquet"' in parquet.headers["content-disposition"]
    assert pd.read_parquet(io.BytesIO(parquet.content)).to_dict("list") == {
        "a": ["1", "2"], "b": ["x", "y"]}
    csv = download(api, name, "csv")
    assert csv.headers["content-type"].startswith("text/csv") and csv.text == \
        '"a","b"\n"1","x"\n"2","y"\n'
    for _ in range(50):  # the temporary CSV is deleted once the response is sent
        if not list((server.data_dir / "downloads").glob("*.csv")):
            break
        time.sleep(0.1)
    assert not list((server.data_dir / "downloads").glob("*.csv"))


def test_a_function_array_as_npy_only(api):
    name = run_function(api, "import numpy as np\nresponse = np.array([[1.5, 2.0], [3.0, 4.0]])")
    array = download(api, name)
    assert array.headers["x-lo-format"] == "npy"
    assert np.load(io.BytesIO(array.content)).tolist() == [[1.5, 2.0], [3.0, 4.0]]
    assert error(api.get(f"/artifacts/{name}/download", params={"format": "csv"}), 406) == (
        f"invalid format 'csv' for {name!r} (a function/python): use npy")


def test_predictions_have_a_table_form(api):
    data = upload_csv(api, "x,y\n0,0\n1,0\n2,1\n3,1\n")
    model = unique("m")
    post(api, "/model/scikitlearn", {"modelName": model, "modulePath": "sklearn.tree",
                                     "class": "DecisionTreeClassifier", "classParameters": {}})
    wait_terminal(api, model)
    trained, predicted = unique("t"), unique("p")
    post(api, "/train/scikitlearn", {"name": trained, "modelName": model, "parentName": model,
                                     "method": "fit", "methodParameters": {
                                         "X": f"${data}", "y": f"${data}.y"}})
    wait_terminal(api, trained)
    post(api, "/predict/scikitlearn", {"name": predicted, "modelName": model,
                                       "parentName": trained, "method": "predict",
                                       "methodParameters": {"X": f"${data}"}})
    wait_terminal(api, predicted)
    assert np.load(io.BytesIO(download(api, predicted).content)).tolist() == [0, 0, 1, 1]
    table = pd.read_parquet(io.BytesIO(download(api, predicted, "parquet").content))
    assert table.to_dict("list") == {"index": [0, 1, 2, 3], "prediction": [0, 0, 1, 1]}
    assert download(api, predicted, "csv").text.splitlines()[:2] == ['"index","prediction"',
                                                                     "0,0"]
    pickled = download(api, trained)
    assert pickled.headers["content-type"] == "application/python-pickle"
    assert pickled.content[:1] == b"\x80"  # a pickle protocol header


def test_generic_datasets_as_their_raw_bytes(api, files):
    payload = bytes(range(256)) * 4
    name = unique("raw")
    post(api, "/dataset/generic", {"datasetName": name,
                                   "datasetURI": files.add(f"{name}.bin", payload)})
    wait_terminal(api, name)
    raw = download(api, name)
    assert raw.content == payload and raw.headers["x-lo-format"] == "binary"
    assert raw.headers["content-type"] == "application/octet-stream"


def test_explore_plots_as_png_and_their_data_as_json(api):
    source = upload_csv(api, CSV)
    name = unique("hist")
    post(api, "/explore/histogram", {"inputDatasetName": source, "outputDatasetName": name,
                                     "names": ["b"]})
    wait_terminal(api, name)
    assert png_size(download(api, name, "png").content) == (800, 600)
    assert download(api, name, "json").json()["kind"] == "histogram"
    assert error(api.get(f"/artifacts/{name}/download", params={"format": "csv"}), 406) \
        .startswith(f"{name!r} cannot be written as CSV")


def test_unknown_and_unfinished_artifacts(api):
    assert error(api.get(f"/artifacts/{unique('x')}/download"), 404).startswith(
        "no artifact named")
    name = unique("slow")
    post(api, "/function/python", {"name": name, "function": (
        "import time\ntime.sleep(2)\nresponse = 1")})
    assert error(api.get(f"/artifacts/{name}/download"), 409).startswith(f"{name!r} is ")
    wait_terminal(api, name)
    assert download(api, name).headers["x-lo-format"] == "pickle"
