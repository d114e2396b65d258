"""Drop-in replacements for the upstream `learning_orchestra_client` (2.2.3) classes.

Change only the imports of an upstream script, e.g.
`from learning_orchestra_client.dataset.csv import DatasetCsv` becomes
`from lo_jupyter.compat.dataset.csv import DatasetCsv` (or `from lo_jupyter.compat import
DatasetCsv`). Each constructor also accepts `token=` (default: LO_TOKEN, or the local
server's own token when `cluster_ip` is its URL).
"""

from lo_jupyter.compat._base import Observer
from lo_jupyter.compat._classes import (
    BuilderSparkMl,
    DatasetCsv,
    DatasetGeneric,
    ExploreHistogram,
    FunctionPython,
    ModelScikitLearn,
    ModelTensorflow,
    TransformDataType,
    TransformProjection,
)
from lo_jupyter.compat._executors import (
    EvaluateScikitLearn,
    EvaluateTensorflow,
    PredictScikitLearn,
    PredictTensorflow,
    TrainScikitLearn,
    TrainTensorflow,
    TuneScikitLearn,
    TuneTensorflow,
)

__all__ = ["BuilderSparkMl", "DatasetCsv", "DatasetGeneric", "EvaluateScikitLearn",
           "EvaluateTensorflow", "ExploreHistogram", "FunctionPython", "ModelScikitLearn",
           "ModelTensorflow", "Observer", "PredictScikitLearn", "PredictTensorflow",
           "TrainScikitLearn", "TrainTensorflow", "TransformDataType", "TransformProjection",
           "TuneScikitLearn", "TuneTensorflow"]
