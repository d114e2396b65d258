"""The upstream client's IMDb and MNIST example pipelines, scaled down, against our server.

The calls are the upstream `learning_orchestra_client` 2.2.3 classes with the examples'
names and call sequences; only the data (generated offline, served from loopback), the
sizes (epochs) and the Observer (MongoDB change streams, replaced by `/observe/{name}`)
differ. Both must reach an accuracy above 0.8.
"""

import ast

import pytest
from learning_orchestra_client.dataset.csv import DatasetCsv
from learning_orchestra_client.dataset.generic import DatasetGeneric
from learning_orchestra_client.evaluate.tensorflow import EvaluateTensorflow
from learning_orchestra_client.function.python import FunctionPython
from learning_orchestra_client.model.scikitlearn import ModelScikitLearn
from learning_orchestra_client.model.tensorflow import ModelTensorflow
from learning_orchestra_client.predict.scikitlearn import PredictScikitLearn
from learning_orchestra_client.predict.tensorflow import PredictTensorflow
from learning_orchestra_client.train.scikitlearn import TrainScikitLearn
from learning_orchestra_client.train.tensorflow import TrainTensorflow

from notebooks.data import imdb, mnist
from tests import pipeline_code as code
from tests.server_process import start_server
from tests.upstream_observer import observed_over_rest

pytestmark = pytest.mark.slow
OBSERVED = ("dataset._dataset", "function.python", "model._model", "train._train",
            "predict._predict", "evaluate._evaluate")


@pytest.fixture(scope="module")
def cluster_ip(tmp_path_factory):
    with observed_over_rest(*OBSERVED):
        server = start_server(tmp_path_factory.mktemp("upstream-ml"), "--no-auth")
        yield server.url
        server.stop()


def message(function: FunctionPython, name: str) -> str:
    return function.search_execution_content(name=name, limit=1, skip=1)["result"][0][
        "functionMessage"]


def test_imdb_pipeline(cluster_ip, files):
    url = files.add("imdb.csv", imdb.generate(rows=300, seed=2).to_csv(index=False))
    dataset_csv = DatasetCsv(cluster_ip)
    dataset_csv.insert_dataset_sync(dataset_name="sentiment_analysis", url=url)

    function_python = FunctionPython(cluster_ip)
    function_python.run_function_sync(name="sentiment_analysis_exploring",
                                      parameters={"data": "$sentiment_analysis"},
                                      code=code.IMDB_EXPLORE)
    assert message(function_python, "sentiment_analysis_exploring").startswith(
        "positive ratio 0.5")
    function_python.run_function_sync(name="sentiment_analysis_preprocessed",
                                      parameters={"data": "$sentiment_analysis"},
                                      code=code.IMDB_PREPROCESS)

    model_name = "sentiment_analysis_logistic_regression_cv"
    created = ModelScikitLearn(cluster_ip).create_model_sync(
        name=model_name, module_path="sklearn.linear_model", class_name="LogisticRegressionCV",
        class_parameters=code.IMDB_MODEL)
    assert created["result"].startswith(f"/api/learningOrchestra/v1/model/scikitlearn/"
                                        f"{model_name}?")
    TrainScikitLearn(cluster_ip).create_training_sync(
        parent_name=model_name, name=f"{model_name}_trained", model_name=model_name,
        method_name="fit", parameters={"X": "$sentiment_analysis_preprocessed.X_train",
                                       "y": "$sentiment_analysis_preprocessed.y_train"})
    PredictScikitLearn(cluster_ip).create_prediction_sync(
        parent_name=f"{model_name}_trained", name=f"{model_name}_predicted",
        model_name=model_name, method_name="predict",
        parameters={"X": "$sentiment_analysis_preprocessed.X_test"})
    function_python.run_function_sync(
        name=f"{model_name}_accuracy", code=code.ACCURACY,
        parameters={"y_test": "$sentiment_analysis_preprocessed.y_test",
                    "y_pred": f"${model_name}_predicted"})
    result = function_python.search_execution_content(name=f"{model_name}_accuracy")["result"]
    assert result[0]["finished"] is True
    assert code.accuracy(result[1]["functionMessage"]) > 0.8, result[1]


def test_mnist_pipeline(cluster_ip, files):
    dataset_generic = DatasetGeneric(cluster_ip)
    for part, data in mnist.generate().items():
        dataset_generic.insert_dataset_async(dataset_name=f"mnist_{part}",
                                             url=files.add(f"mnist_{part}.idx", data))
    for part in mnist.NAMES:
        assert dataset_generic.wait(dataset_name=f"mnist_{part}")["finished"] is True

    function_python = FunctionPython(cluster_ip)
    function_python.run_function_async(
        name="mnist_datasets_treated", code=code.MNIST_PARSE,
        parameters={f"mnist_{part}": f"$mnist_{part}" for part in mnist.NAMES})
    function_python.wait(dataset_name="mnist_datasets_treated")
    function_python.run_function_async(
        name="mnist_datasets_normalized", code=code.MNIST_NORMALIZE,
        parameters={part: f"$mnist_datasets_treated.{part}" for part in mnist.NAMES})
    function_python.wait(dataset_name="mnist_datasets_normalized")

    model_tensorflow = ModelTensorflow(cluster_ip)
    model_tensorflow.create_model_async(
        name="mnist_model", module_path="tensorflow.keras.models", class_name="Sequential",
        class_parameters={"layers": code.MNIST_LAYERS})
    model_tensorflow.wait(name="mnist_model")
    function_python.run_function_async(name="mnist_model_compiled", code=code.MNIST_COMPILE,
                                       parameters={"model": "$mnist_model"})
    function_python.wait(dataset_name="mnist_model_compiled")

    train_tensorflow = TrainTensorflow(cluster_ip)
    train_tensorflow.create_training_async(
        name="mnist_model_trained", model_name="mnist_model",
        parent_name="mnist_model_compiled", method_name="fit",
        parameters={"x": "$mnist_datasets_normalized.train_images",
                    "y": "$mnist_datasets_normalized.train_labels",
                    "validation_split": 0.1, "epochs": 3})
    assert train_tensorflow.wait(name="mnist_model_trained")["finished"] is True

    predict_tensorflow = PredictTensorflow(cluster_ip)
    predict_tensorflow.create_prediction_async(
        name="mnist_model_predicted", model_name="mnist_model",
        parent_name="mnist_model_trained", method_name="predict",
        parameters={"x": "$mnist_datasets_normalized.test_images"})
    evaluate_tensorflow = EvaluateTensorflow(cluster_ip)
    evaluate_tensorflow.create_evaluate_async(
        name="mnist_model_evaluated", model_name="mnist_model",
        parent_name="mnist_model_trained", method_name="evaluate",
        parameters={"x": "$mnist_datasets_normalized.test_images",
                    "y": "$mnist_datasets_normalized.test_labels"})
    predict_tensorflow.wait(name="mnist_model_predicted")
    evaluated = evaluate_tensorflow.wait(name="mnist_model_evaluated")
    assert evaluated["finished"] is True

    function_python.run_function_async(
        name="mnist_model_predicted_print", code="print(mnist_model_predicted.shape)\n"
                                                 "response = None",
        parameters={"mnist_model_predicted": "$mnist_model_predicted"})
    function_python.run_function_async(
        name="mnist_model_evaluated_print", code="print(mnist_model_evaluated)\nresponse = None",
        parameters={"mnist_model_evaluated": "$mnist_model_evaluated"})
    function_python.wait(dataset_name="mnist_model_predicted_print")
    function_python.wait(dataset_name="mnist_model_evaluated_print")
    assert message(function_python, "mnist_model_predicted_print") == "(450, 10)\n"
    loss, accuracy = ast.literal_eval(message(function_python, "mnist_model_evaluated_print"))
    assert accuracy > 0.8 and accuracy == evaluated["scores"]["sparse_categorical_accuracy"]
