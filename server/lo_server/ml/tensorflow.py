"""Calling a method on a Keras model (or layer) inside a worker; Keras is imported lazily.

`fit` gets one more callback that reports each epoch as the job's progress, and the training
history (loss and metrics per epoch) becomes metadata. `evaluate` returns its scores named
(Keras 3's `metrics_names` says only "compile_metrics", so it is asked for a dict); the
stored value stays upstream's list [loss, metric, ...].
"""

from __future__ import annotations

from lo_server.ml import sklearn
from lo_server.ml.inputs import jsonable, scores


def is_keras(obj) -> bool:
    module = type(obj).__module__
    if not module.startswith(("keras", "tensorflow", "tf_keras")):
        return False
    import keras

    return isinstance(obj, (keras.Model, keras.layers.Layer))


def call(context, target, method: str, params: dict, kind: str):
    """(return value, metadata) of `target.method(**params)` for a job of `kind`."""
    function = getattr(target, method)
    if method == "fit":
        params = {**params, "callbacks": [*_as_list(params.get("callbacks")),
                                          epoch_progress(context, params)]}
        history = function(**params)
        return history, {"history": jsonable(getattr(history, "history", {}))}
    if method == "evaluate" and "return_dict" not in params:
        named = _loss_first(function(**params, return_dict=True))
        values = list(named.values())
        return (values if len(values) > 1 else values[0]), {"scores": jsonable(named)}
    if kind == "tune":
        value = sklearn.on_dask(function, params)
    else:
        value = function(**params)
    metadata = {}
    if kind == "evaluate":
        metadata["scores"] = scores(value, getattr(target, "metrics_names", None))
    return value, metadata


def epoch_progress(context, params: dict):
    """A Keras callback reporting "epoch k/n: loss=..." as the job's progress."""
    import keras

    first = int(params.get("initial_epoch") or 0)
    last = int(params.get("epochs") or 1)

    class JobProgress(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            context.progress(0.0, f"training {last - first} epochs")

        def on_epoch_end(self, epoch, logs=None):
            shown = ", ".join(f"{k}={float(v):.4g}" for k, v in _loss_first(logs).items()
                              if isinstance(v, (int, float)) or hasattr(v, "__float__"))
            done = (epoch + 1 - first) / max(last - first, 1)
            context.progress(done, f"epoch {epoch + 1}/{last}: {shown}".rstrip(": "))

    return JobProgress()


def _loss_first(values) -> dict:
    """Keras's own order for results: the loss, then the metrics as compiled."""
    values = dict(values or {})
    return {k: values[k] for k in sorted(values, key=lambda k: (k != "loss", k.startswith(
        "val_")))}


def _as_list(value) -> list:
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]
