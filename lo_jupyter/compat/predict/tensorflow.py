"""Same path as learning_orchestra_client.predict.tensorflow."""

from lo_jupyter.compat import PredictTensorflow

__all__ = ["PredictTensorflow"]
