"""Keras calls: per-epoch progress, the history and named evaluation scores (real Keras)."""

import numpy as np
import pytest

from lo_server.ml import tensorflow

pytestmark = pytest.mark.slow  # importing TensorFlow takes seconds


class Progress:
    def __init__(self):
        self.calls = []

    def progress(self, fraction, message=""):
        self.calls.append((fraction, message))


@pytest.fixture(scope="module")
def model():
    import keras

    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    return model


def data():
    rng = np.random.default_rng(0)
    return rng.normal(size=(32, 4)), rng.integers(0, 3, size=32)


def test_fit_reports_each_epoch_and_records_the_history(model):
    context = Progress()
    x, y = data()
    assert tensorflow.is_keras(model) and not tensorflow.is_keras(np.zeros(2))
    _, meta = tensorflow.call(context, model, "fit", {"x": x, "y": y, "epochs": 3,
                                                      "verbose": 0}, "train")
    assert set(meta["history"]) == {"loss", "accuracy"}
    assert len(meta["history"]["loss"]) == 3
    fractions = [f for f, _ in context.calls]
    assert fractions == [0.0, 1 / 3, 2 / 3, 1.0]
    assert context.calls[-1][1].startswith("epoch 3/3: loss=")


def test_user_callbacks_are_kept(model):
    import keras

    seen = []
    x, y = data()
    callback = keras.callbacks.LambdaCallback(on_epoch_end=lambda epoch, logs: seen.append(epoch))
    tensorflow.call(Progress(), model, "fit", {"x": x, "y": y, "epochs": 2, "verbose": 0,
                                               "callbacks": [callback]}, "train")
    assert seen == [0, 1]


def test_evaluate_names_its_scores_and_keeps_upstreams_list(model):
    x, y = data()
    value, meta = tensorflow.call(Progress(), model, "evaluate", {"x": x, "y": y,
                                                                  "verbose": 0}, "evaluate")
    assert set(meta["scores"]) == {"loss", "accuracy"}
    assert value == [meta["scores"]["loss"], meta["scores"]["accuracy"]]
