"""Same path as learning_orchestra_client.model.tensorflow."""

from lo_jupyter.compat import ModelTensorflow

__all__ = ["ModelTensorflow"]
