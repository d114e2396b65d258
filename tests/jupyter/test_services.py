"""Typed service calls of Orchestra (lo_jupyter/services.py) against a real server."""

import numpy as np
import pandas as pd
import pytest

from lo_jupyter.errors import LoError, OrchestraError
from tests.jupyter.conftest import unique

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def numbers(orchestra):
    name = unique("num")
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"a": rng.normal(size=30), "b": rng.normal(size=30),
                          "c": rng.normal(size=30), "label": [0, 1, 2] * 10})
    orchestra.upload(name, frame).wait(60)
    return name


def test_dataset_projection_types_and_histogram(orchestra, files):
    name = unique("people")
    orchestra.dataset(name, files.add(f"{name}.csv", "Name,Age,Sex\na,22,m\nb,,f\nc,30,m\n")
                      ).wait(60)
    projected = unique("proj")
    job = orchestra.projection(name, projected, ["Age", "Sex"])
    assert job.type == "transform/projection" and job.wait(60)["fields"] == ["Age", "Sex"]
    typed = orchestra.data_type(projected, {"Age": "number"})
    assert typed.name == projected and typed.wait(60)["status"] == "finished"
    assert orchestra.page(projected)["Age"].tolist()[0] == 22
    counts = unique("hist")
    orchestra.histogram(projected, counts, ["Sex"]).wait(60)
    assert orchestra.explore_image(counts).startswith(PNG)
    data = orchestra.explore_data(counts)
    assert sorted((g["_id"], g["count"]) for g in data["fields"]["Sex"]) == [("f", 1), ("m", 2)]
    again = orchestra.rerun(projected, names=["Sex"])  # PATCH /transform/projection
    assert again.wait(60)["fields"] == ["Sex"]


def test_explore_plot_and_its_data(orchestra, numbers):
    name = unique("pca")
    job = orchestra.explore(name, "sklearn.decomposition", "PCA", {"n_components": 2},
                            "fit_transform", {"X": f"${numbers}"})
    assert job.type == "explore/scikitlearn"
    job.wait(120)
    assert orchestra.explore_image(name, "scikitlearn").startswith(PNG)
    data = orchestra.explore_data(name)
    assert data["kind"] == "scatter" and len(data["x"]) == 30


def test_model_train_predict_evaluate_tune_and_model_rerun(orchestra, numbers):
    model, trained, predicted = unique("lr"), unique("fit"), unique("pred")
    orchestra.model(model, "sklearn.linear_model", "LogisticRegression", {"max_iter": 200}
                    ).wait(60)
    features = unique("xy")
    orchestra.function(features, "response = {'X': data[['a', 'b', 'c']], "
                                 "'y': data['label']}", {"data": f"${numbers}"}).wait(60)
    X, y = f"${features}.X", f"${features}.y"
    orchestra.train(trained, model, model, method_parameters={"X": X, "y": y}).wait(120)
    job = orchestra.predict(predicted, model, trained, method_parameters={"X": X})
    assert job.type == "predict/scikitlearn" and job.wait(120)["status"] == "finished"
    assert orchestra.download(predicted).shape == (30,)
    score = unique("score")
    orchestra.evaluate(score, model, trained, method_parameters={"X": X, "y": y}).wait(120)
    tuned = unique("tune")
    orchestra.tune(tuned, model, model, method_parameters={"X": X, "y": y}).wait(120)
    assert orchestra.artifact(tuned)["type"] == "tune/scikitlearn"
    rebuilt = orchestra.rerun(model, classParameters={"max_iter": 50, "C": 2.0})
    assert rebuilt.wait(60)["status"] == "finished"
    assert orchestra.download(model).C == 2.0
    with pytest.raises(ValueError, match="step must be one of"):
        orchestra.execute("fly", "x", model, model, "fit")


def test_rerun_recreates_kinds_without_patch_and_refuses_unknown_requests(orchestra, files):
    name = unique("ds")
    url = files.add(f"{name}.csv", "a\n1\n")
    orchestra.dataset(name, url).wait(60)
    files.add(f"{name}.csv", "a\n1\n2\n")
    orchestra.rerun(name).wait(60)  # delete + ingest again
    assert orchestra.page(name)["a"].tolist() == ["1", "2"]  # CSV values are strings
    other_client_made = unique("foreign")
    orchestra.upload(other_client_made, pd.DataFrame({"a": [1]})).wait(60)
    with pytest.raises(LoError, match="did not create it"):
        orchestra.rerun(other_client_made)
    with pytest.raises(OrchestraError) as info:
        orchestra.model(unique(), "sklearn.linear_model", "NoSuchClass")
    assert info.value.status == 406 and "class" in info.value.message
