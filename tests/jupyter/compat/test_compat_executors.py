"""Train / Predict / Evaluate / Tune classes: the upstream IMDb call sequence, scaled down."""

import inspect

import pytest

from lo_jupyter.compat.dataset.csv import DatasetCsv
from lo_jupyter.compat.evaluate.scikitlearn import EvaluateScikitLearn
from lo_jupyter.compat.function.python import FunctionPython
from lo_jupyter.compat.model.scikitlearn import ModelScikitLearn
from lo_jupyter.compat.predict.scikitlearn import PredictScikitLearn
from lo_jupyter.compat.train.scikitlearn import TrainScikitLearn
from lo_jupyter.compat.tune.scikitlearn import TuneScikitLearn
from tests.jupyter.conftest import unique

WORDS = {"1": ["great", "good", "fine", "superb"], "0": ["bad", "awful", "poor", "dull"]}
PREPROCESS = """
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.model_selection import train_test_split
tfidf = TfidfVectorizer()
x = tfidf.fit_transform(data.text)
y = data.label.values
X_train, X_test, y_train, y_test = train_test_split(x, y, random_state=1, test_size=0.5,
                                                    shuffle=False)
response = {"X_train": X_train, "X_test": X_test, "y_train": y_train, "y_test": y_test}
"""


def reviews_csv(rows=40):
    lines = ["text,label"]
    for i in range(rows):
        label = str(i % 2)
        words = WORDS[label]
        lines.append(f"{words[i % 4]} film {words[(i + 1) % 4]} plot,{label}")
    return "\n".join(lines) + "\n"


def test_signatures_match_upstream():
    for method in (TrainScikitLearn.create_training_sync, PredictScikitLearn.create_prediction_sync,
                   EvaluateScikitLearn.create_evaluate_async, TuneScikitLearn.create_tune_sync):
        assert list(inspect.signature(method).parameters) == [
            "self", "name", "model_name", "parent_name", "method_name", "parameters",
            "description", "pretty_response"]
    assert hasattr(TrainScikitLearn, "search_all_trainings")
    assert hasattr(PredictScikitLearn, "search_prediction_content")
    assert hasattr(EvaluateScikitLearn, "delete_evaluate")
    assert list(inspect.signature(TrainScikitLearn.wait).parameters) == ["self", "name",
                                                                         "timeout"]


@pytest.mark.slow
def test_imdb_style_sequence(server, files, monkeypatch):
    monkeypatch.setenv("LO_TOKEN", server.token)
    cluster_ip = server.url
    dataset, prep = unique("sentiment"), unique("prep")
    DatasetCsv(cluster_ip).insert_dataset_sync(dataset_name=dataset,
                                               url=files.add(f"{dataset}.csv", reviews_csv()))
    function = FunctionPython(cluster_ip)
    function.run_function_sync(name=prep, parameters={"data": f"${dataset}"}, code=PREPROCESS)
    model, trained, predicted = unique("lr"), unique("lr_trained"), unique("lr_pred")
    ModelScikitLearn(cluster_ip).create_model_sync(
        name=model, module_path="sklearn.linear_model", class_name="LogisticRegression",
        class_parameters={"random_state": 0, "max_iter": 100})
    train = TrainScikitLearn(cluster_ip)
    train.create_training_sync(parent_name=model, name=trained, model_name=model,
                               method_name="fit",
                               parameters={"X": f"${prep}.X_train", "y": f"${prep}.y_train"})
    assert train.wait(name=trained)["status"] == "finished"
    assert trained in [d["name"] for d in train.search_all_trainings()["result"]]
    PredictScikitLearn(cluster_ip).create_prediction_sync(
        parent_name=trained, name=predicted, model_name=model, method_name="predict",
        parameters={"X": f"${prep}.X_test"})
    accuracy = unique("accuracy")
    function.run_function_sync(
        name=accuracy, parameters={"y_test": f"${prep}.y_test", "y_pred": f"${predicted}"},
        code="from sklearn import metrics\n"
             "print('Accuracy:', metrics.accuracy_score(y_test, y_pred))\nresponse = None")
    message = function.search_execution_content(name=accuracy, skip=1)["result"][0][
        "functionMessage"]
    assert message.startswith("Accuracy: ") and float(message.split()[1]) > 0.8
    evaluate = EvaluateScikitLearn(cluster_ip)
    scored = unique("score")
    created = evaluate.create_evaluate_sync(
        name=scored, model_name=model, parent_name=trained, method_name="score",
        parameters={"X": f"${prep}.X_test", "y": f"${prep}.y_test"})
    assert created["result"].endswith(f"/evaluate/scikitlearn/{scored}?query={{}}&limit=20"
                                      "&skip=0")  # upstream returned None here
    assert evaluate.wait(name=scored)["status"] == "finished"
    assert evaluate.delete_evaluate(scored)["result"] == "deleted file"
