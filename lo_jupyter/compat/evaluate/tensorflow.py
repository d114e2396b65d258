"""Same path as learning_orchestra_client.evaluate.tensorflow."""

from lo_jupyter.compat import EvaluateTensorflow

__all__ = ["EvaluateTensorflow"]
