"""Train / Tune / Predict / Evaluate classes: one shape, four vocabularies.

Upstream named the methods after the step (create_training_sync, search_all_predictions,
delete_evaluate, ...); `_step_class` builds each class with those exact names and keywords.
"""

from __future__ import annotations

from lo_jupyter.compat._base import Entity


def _step_class(class_name: str, path: str, noun: str, plural: str) -> type:
    def __init__(self, cluster_ip: str, token: str | None = None):
        Entity.__init__(self, cluster_ip, path, token)

    def body(name, model_name, parent_name, method_name, parameters, description):
        return {"name": name, "modelName": model_name, "parentName": parent_name,
                "method": method_name, "methodParameters": parameters,
                "description": description}

    def create_sync(self, name: str, model_name: str, parent_name: str, method_name: str,
                    parameters: dict, description: str = "", pretty_response=False):
        ok, result = self._post(body(name, model_name, parent_name, method_name, parameters,
                                     description), pretty_response)
        if ok:
            self.wait(name)
        return result

    def create_async(self, name: str, model_name: str, parent_name: str, method_name: str,
                     parameters: dict, description: str = "", pretty_response=False):
        return self._post(body(name, model_name, parent_name, method_name, parameters,
                               description), pretty_response)[1]

    def search_all(self, pretty_response=False):
        return self._all(pretty_response)

    def delete(self, name: str, pretty_response=False):
        return self._delete(name, pretty_response)

    def search_content(self, name: str, query: dict | None = None, limit: int = 10,
                       skip: int = 0, pretty_response=False):
        return self._content(name, query, limit, skip, pretty_response)

    def wait(self, name: str, timeout: int | None = None) -> dict:
        return self._wait(name, timeout)

    methods = {
        "__init__": __init__,
        f"create_{noun}_sync": create_sync,
        f"create_{noun}_async": create_async,
        f"search_all_{plural}": search_all,
        f"delete_{noun}": delete,
        f"search_{noun}_content": search_content,
        "wait": wait,
        "__doc__": f"Upstream's {class_name}: POST/GET/DELETE on {path}.",
    }
    for attr, function in methods.items():
        if callable(function):
            function.__name__ = attr
            function.__qualname__ = f"{class_name}.{attr}"
    return type(class_name, (Entity,), {**methods, "__module__": __name__})


TrainScikitLearn = _step_class("TrainScikitLearn", "train/scikitlearn", "training", "trainings")
TrainTensorflow = _step_class("TrainTensorflow", "train/tensorflow", "training", "trainings")
PredictScikitLearn = _step_class("PredictScikitLearn", "predict/scikitlearn", "prediction",
                                 "predictions")
PredictTensorflow = _step_class("PredictTensorflow", "predict/tensorflow", "prediction",
                                "predictions")
EvaluateScikitLearn = _step_class("EvaluateScikitLearn", "evaluate/scikitlearn", "evaluate",
                                  "evaluates")
EvaluateTensorflow = _step_class("EvaluateTensorflow", "evaluate/tensorflow", "evaluate",
                                 "evaluates")
TuneScikitLearn = _step_class("TuneScikitLearn", "tune/scikitlearn", "tune", "tunes")
TuneTensorflow = _step_class("TuneTensorflow", "tune/tensorflow", "tune", "tunes")
