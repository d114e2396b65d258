"""Two end-to-end pipelines over the HTTP API on generated offline data: IMDb-style text
with scikit-learn, and MNIST-style digits (IDX files) with Keras."""

import pytest

from notebooks.data import imdb, mnist
from tests import pipeline_code as code
from tests.ml_helpers import executions, post, run_function, unique
from tests.server_process import wait_terminal

pytestmark = pytest.mark.slow


def finished(api, name, timeout=240):
    doc = wait_terminal(api, name, timeout)
    assert doc["status"] == "finished", (name, doc.get("error"))
    return doc


def function(api, code_text, params, prefix):
    name = run_function(api, code_text, params, prefix)
    return name, executions(api, "function/python", name)[0]["functionMessage"]


def step(api, path, name, model, parent, method, params):
    post(api, path, {"name": name, "modelName": model, "parentName": parent, "method": method,
                     "methodParameters": params, "description": ""})
    return finished(api, name)


def test_imdb_style_text_pipeline(api, files):
    reviews = unique("reviews")
    post(api, "/dataset/csv", {"datasetName": reviews, "datasetURI": files.add(
        f"{reviews}.csv", imdb.generate(rows=300, seed=1).to_csv(index=False))})
    finished(api, reviews)
    _, ratios = function(api, code.IMDB_EXPLORE, {"data": f"${reviews}"}, "explore")
    assert ratios == "positive ratio 0.5\nnegative ratio 0.5\n"
    prep, _ = function(api, code.IMDB_PREPROCESS, {"data": f"${reviews}"}, "prep")

    model = unique("lr_cv")
    post(api, "/model/scikitlearn", {"modelName": model, "modulePath": "sklearn.linear_model",
                                     "class": "LogisticRegressionCV",
                                     "classParameters": code.IMDB_MODEL})
    finished(api, model)
    trained = step(api, "/train/scikitlearn", unique("trained"), model, model, "fit",
                   {"X": f"${prep}.X_train", "y": f"${prep}.y_train"})
    predicted = step(api, "/predict/scikitlearn", unique("predicted"), model, trained["name"],
                     "predict", {"X": f"${prep}.X_test"})
    assert predicted["format"] == "npy" and predicted["shape"] == [150]
    _, message = function(api, code.ACCURACY, {"y_test": f"${prep}.y_test",
                                               "y_pred": f"${predicted['name']}"}, "accuracy")
    assert code.accuracy(message) > 0.8, message


def test_mnist_style_digits_pipeline(api, files):
    names = {}
    for part, data in mnist.generate().items():
        name = names[f"mnist_{part}"] = unique(part)
        post(api, "/dataset/generic", {"datasetName": name,
                                       "datasetURI": files.add(f"{name}.idx", data)})
    for name in names.values():
        finished(api, name)
    treated, _ = function(api, code.MNIST_PARSE, {k: f"${v}" for k, v in names.items()},
                          "treated")
    parts = ("train_images", "train_labels", "test_images", "test_labels")
    normalized, shapes = function(api, code.MNIST_NORMALIZE,
                                  {p: f"${treated}.{p}" for p in parts}, "normalized")
    assert shapes == "(1347, 8, 8) (1347, 1) (450, 8, 8) (450, 1)\n"

    model = unique("digits_model")
    post(api, "/model/tensorflow", {"modelName": model, "modulePath": "tensorflow.keras.models",
                                    "class": "Sequential",
                                    "classParameters": {"layers": code.MNIST_LAYERS}})
    finished(api, model)
    compiled, _ = function(api, code.MNIST_COMPILE, {"model": f"${model}"}, "compiled")
    data = {p: f"${normalized}.{p}" for p in parts}
    trained = step(api, "/train/tensorflow", unique("trained"), model, compiled, "fit", {
        "x": data["train_images"], "y": data["train_labels"], "validation_split": 0.1,
        "epochs": 3})
    assert len(trained["history"]["val_loss"]) == 3
    predicted = step(api, "/predict/tensorflow", unique("predicted"), model, trained["name"],
                     "predict", {"x": data["test_images"]})
    assert predicted["shape"] == [450, 10]
    evaluated = step(api, "/evaluate/tensorflow", unique("evaluated"), model, trained["name"],
                     "evaluate", {"x": data["test_images"], "y": data["test_labels"]})
    assert evaluated["scores"]["sparse_categorical_accuracy"] > 0.8, evaluated["scores"]
    _, message = function(api, code.MNIST_PREDICTED_ACCURACY, {
        "predicted": f"${predicted['name']}", "labels": data["test_labels"]}, "pred_accuracy")
    assert code.accuracy(message) > 0.8, message
